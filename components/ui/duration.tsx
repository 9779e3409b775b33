'use client';

import { useTranslations } from 'next-intl';

/** "2d 3h", "7h 59m", "4m 05s": the two most significant units, localised. */
export function useDurationText() {
  const t = useTranslations('duration');
  return (totalSeconds: number) => {
    const s = Math.max(0, Math.floor(totalSeconds));
    const days = Math.floor(s / 86400);
    const hours = Math.floor((s % 86400) / 3600);
    const minutes = Math.floor((s % 3600) / 60);
    const seconds = s % 60;
    if (days > 0) return t('dh', { days, hours });
    if (hours > 0) return t('hm', { hours, minutes });
    return t('ms', { minutes, seconds: String(seconds).padStart(2, '0') });
  };
}
