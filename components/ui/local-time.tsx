'use client';

import { useFormatter } from 'next-intl';
import { useEffect, useState } from 'react';

/**
 * A time shown in the viewer's own time zone. The server renders UTC; the browser replaces it
 * after hydration with local time.
 */
export function LocalTime({ value, withSeconds = false }: { value: string; withSeconds?: boolean }) {
  const format = useFormatter();
  const date = new Date(value);
  const [zone, setZone] = useState<string>('UTC');
  useEffect(() => setZone(Intl.DateTimeFormat().resolvedOptions().timeZone), []);
  const text = format.dateTime(date, {
    dateStyle: 'medium',
    timeStyle: withSeconds ? 'medium' : 'short',
    timeZone: zone,
  });
  return (
    <time dateTime={value} title={value} suppressHydrationWarning>
      {text}
      {zone === 'UTC' ? ' UTC' : ''}
    </time>
  );
}
