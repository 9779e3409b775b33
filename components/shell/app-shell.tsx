import { getTranslations } from 'next-intl/server';
import type { ReactNode } from 'react';
import { Badge } from '@/components/ui/badge';
import type { Role } from '@/lib/db/schema';
import { NavLink } from './nav-link';
import { Preferences } from './preferences';
import { SignOutButton } from './sign-out-button';

type NavItem = { href: string; label: string; exact?: boolean };

/** The signed-in frame: skip link, header with navigation, preferences and sign-out. */
export async function AppShell({
  username,
  role,
  children,
}: {
  username: string;
  role: Role;
  children: ReactNode;
}) {
  const t = await getTranslations('nav');
  const common = await getTranslations('common');
  const admin = await getTranslations('admin');
  const items: NavItem[] = [
    { href: '/', label: t('portal'), exact: true },
    { href: '/requests', label: t('requests') },
    { href: '/devices', label: t('devices') },
    { href: '/knock', label: t('knock') },
    { href: '/account', label: t('account') },
  ];
  if (role === 'admin' || role === 'approver') items.push({ href: '/admin', label: t('admin') });

  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-sm dark:focus:bg-zinc-900"
      >
        {common('skipToContent')}
      </a>
      <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <a href="/" className="text-lg font-semibold tracking-tight text-brand-700 dark:text-brand-300">
            {common('appName')}
          </a>
          <nav aria-label={t('main')} className="order-3 w-full sm:order-none sm:w-auto">
            <ul className="flex flex-wrap gap-1">
              {items.map((item) => (
                <li key={item.href}>
                  <NavLink href={item.href} exact={item.exact}>
                    {item.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <div className="ml-auto flex items-center gap-3 text-sm">
            <span className="hidden items-center gap-2 sm:flex" data-testid="current-user">
              <span className="font-medium">{username}</span>
              <Badge tone={role === 'admin' ? 'blue' : role === 'approver' ? 'amber' : 'neutral'}>
                {admin(`roles.${role}`)}
              </Badge>
            </span>
            <Preferences />
            <SignOutButton label={common('signOut')} />
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-8">
        {children}
      </main>
    </div>
  );
}
