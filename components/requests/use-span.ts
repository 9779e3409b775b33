'use client';

import { useTranslations } from 'next-intl';
import { spanParts } from '@/lib/requests/preview';

/** "1 h", "1 h 30 min", "2 d 4 h": a length of time as people say it, localised. */
export function useSpanText() {
  const t = useTranslations('requests.units');
  return (seconds: number) =>
    spanParts(seconds)
      .map(([n, unit]) => t(unit, { n }))
      .join(' ');
}
