import type { ReactNode } from 'react';
import { AppShell } from '@/components/shell/app-shell';
import { requireUser } from '@/lib/auth/guards';

export const dynamic = 'force-dynamic';

/** Client commands of the knock profiles: for every signed-in user, not only admins. */
export default async function KnockLayout({ children }: { children: ReactNode }) {
  const { user } = await requireUser();
  return (
    <AppShell username={user.username} role={user.role}>
      {children}
    </AppShell>
  );
}
