'use client';

import { useTranslations } from 'next-intl';
import { useEffect, useState } from 'react';

/** The approval queue announces fresh counts with this event, so the badge follows at once. */
export const PENDING_EVENT = 'knockgate:pending-requests';

/**
 * The number of requests waiting for the viewer's decision, beside the Approvals link. It polls
 * on its own (every page of the admin area shows it) and listens to the queue's refreshes.
 */
export function PendingBadge({ initial }: { initial: number }) {
  const t = useTranslations('approvals');
  const [count, setCount] = useState(initial);
  useEffect(() => {
    let cancelled = false;
    const poll = async () => {
      try {
        const res = await fetch('/api/admin/requests/count', { cache: 'no-store' });
        if (!res.ok || cancelled) return;
        setCount(((await res.json()) as { pending: number }).pending);
      } catch {
        // The next poll tries again.
      }
    };
    const timer = setInterval(poll, 10_000);
    const onEvent = (event: Event) => setCount(Number((event as CustomEvent<number>).detail) || 0);
    window.addEventListener(PENDING_EVENT, onEvent);
    return () => {
      cancelled = true;
      clearInterval(timer);
      window.removeEventListener(PENDING_EVENT, onEvent);
    };
  }, []);
  if (count === 0) return null;
  return (
    <span
      className="ml-2 inline-flex min-w-5 items-center justify-center rounded-full bg-amber-500 px-1.5 text-xs font-semibold text-white"
      data-testid="pending-badge"
      title={t('pendingBadge', { count })}
    >
      <span aria-hidden="true">{count}</span>
      <span className="sr-only">{t('pendingBadge', { count })}</span>
    </span>
  );
}
