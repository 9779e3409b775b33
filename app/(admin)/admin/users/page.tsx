import { getTranslations } from 'next-intl/server';
import { CreateUserForm, UserRowActions } from '@/components/admin/users';
import { Badge } from '@/components/ui/badge';
import { Card, PageHeader } from '@/components/ui/card';
import { LocalTime } from '@/components/ui/local-time';
import { titled } from '@/i18n/titles';
import { requireRole } from '@/lib/auth/guards';
import { getDb } from '@/lib/db';
import { listUsers } from '@/lib/users/service';

export const generateMetadata = titled('users');

export default async function UsersPage() {
  const { user: me } = await requireRole('admin', '/admin/users');
  const t = await getTranslations('admin');
  const people = await listUsers(await getDb());
  return (
    <>
      <PageHeader title={t('usersTitle')} description={t('usersDescription')} />
      <Card className="mb-6">
        <h2 className="mb-4 text-base font-semibold">{t('createUser')}</h2>
        <CreateUserForm />
      </Card>
      <Card padded={false} className="overflow-x-auto">
        <table className="w-full text-left text-sm">
          <thead className="border-b border-zinc-200 text-xs uppercase text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
            <tr>
              <th scope="col" className="px-4 py-3">
                {t('username')}
              </th>
              <th scope="col" className="px-4 py-3">
                {t('role')}
              </th>
              <th scope="col" className="px-4 py-3">
                {t('status')}
              </th>
              <th scope="col" className="px-4 py-3">
                {t('lastSignIn')}
              </th>
              <th scope="col" className="px-4 py-3">
                {t('sessions')}
              </th>
              <th scope="col" className="px-4 py-3">
                {t('actions')}
              </th>
            </tr>
          </thead>
          <tbody>
            {people.map((person) => (
              <tr
                key={person.id}
                className="border-b border-zinc-100 align-top last:border-0 dark:border-zinc-800"
                data-testid={`user-row-${person.username}`}
              >
                <td className="px-4 py-3">
                  <span className="font-medium">{person.username}</span>
                  {person.id === me.id && <span className="ml-2 text-xs text-zinc-500">({t('you')})</span>}
                  {person.email && <div className="text-xs text-zinc-500">{person.email}</div>}
                </td>
                <td className="px-4 py-3">{t(`roles.${person.role}`)}</td>
                <td className="px-4 py-3 space-x-1">
                  {person.disabled ? (
                    <Badge tone="red">{t('disabled')}</Badge>
                  ) : (
                    <Badge tone="green">{t('enabled')}</Badge>
                  )}
                  {person.totpEnabled && <Badge tone="blue">{t('twoStep')}</Badge>}
                </td>
                <td className="px-4 py-3 whitespace-nowrap">
                  {person.lastSignInAt ? <LocalTime value={person.lastSignInAt.toISOString()} /> : '—'}
                </td>
                <td className="px-4 py-3">{person.liveSessions}</td>
                <td className="px-4 py-3">
                  <UserRowActions
                    user={{
                      id: person.id,
                      username: person.username,
                      role: person.role,
                      disabled: person.disabled,
                      totpEnabled: person.totpEnabled,
                    }}
                    self={person.id === me.id}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </>
  );
}
