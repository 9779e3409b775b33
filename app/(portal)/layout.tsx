import type { ReactNode } from 'react';
import { AppShell } from '@/components/shell/app-shell';
import { requireUser } from '@/lib/auth/guards';

export const dynamic = 'force-dynamic';

export default async function PortalLayout({ children }: { children: ReactNode }) {
  const { user } = await requireUser();
  return (
    <AppShell username={user.username} role={user.role}>
      {children}
    </AppShell>
  );
}
