import { getTranslations } from 'next-intl/server';
import type { ReactNode } from 'react';
import { PendingBadge } from '@/components/requests/pending-badge';
import { AppShell } from '@/components/shell/app-shell';
import { NavLink } from '@/components/shell/nav-link';
import { requireRole } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { pendingCountFor } from '@/lib/requests/service';

export const dynamic = 'force-dynamic';

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const { user } = await requireRole(['admin', 'approver'], '/admin');
  const t = await getTranslations('nav');
  const a = await getTranslations('admin');
  const pending = await pendingCountFor(await getDb(), user.id);
  const sections: { href: string; label: ReactNode; exact: boolean }[] = [
    { href: '/admin', label: a('overview'), exact: true },
    {
      href: '/admin/approvals',
      label: (
        <>
          {t('approvals')}
          <PendingBadge initial={pending} />
        </>
      ),
      exact: false,
    },
    { href: '/admin/grants', label: t('grants'), exact: false },
  ];
  if (user.role === 'admin') {
    sections.push(
      { href: '/admin/users', label: t('users'), exact: false },
      { href: '/admin/routers', label: t('routers'), exact: false },
      { href: '/admin/policies', label: t('policies'), exact: false },
      { href: '/admin/profiles', label: t('profiles'), exact: false },
      { href: '/admin/audit', label: t('audit'), exact: false },
    );
  }
  return (
    <AppShell username={user.username} role={user.role}>
      <div className="flex flex-col gap-6 md:flex-row">
        <nav aria-label={t('adminNav')} className="md:w-48 md:shrink-0">
          <ul className="flex flex-wrap gap-1 md:flex-col">
            {sections.map((s) => (
              <li key={s.href}>
                <NavLink href={s.href} exact={s.exact}>
                  {s.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="min-w-0 flex-1">{children}</div>
      </div>
    </AppShell>
  );
}
