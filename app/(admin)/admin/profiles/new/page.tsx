import Link from 'next/link';
import { getTranslations } from 'next-intl/server';
import { blankForm, fromProfileInput } from '@/components/profiles/form-state';
import { ProfileEditor } from '@/components/profiles/profile-editor';
import { PageHeader } from '@/components/ui/card';
import { titled } from '@/i18n/titles';
import { requireRole } from '@/lib/auth/guards';
import { SEED_PROFILES } from '@/lib/profiles/seed-profiles';

export const generateMetadata = titled('newProfile');

export default async function NewProfilePage({ searchParams }: { searchParams: Promise<{ seed?: string }> }) {
  await requireRole('admin', '/admin/profiles/new');
  const t = await getTranslations('profiles');
  const { seed } = await searchParams;
  const example = SEED_PROFILES.find((s) => s.golden === seed);
  const initial = example ? fromProfileInput(example.profile) : blankForm();
  return (
    <>
      <PageHeader
        title={t('newTitle')}
        actions={
          <Link href="/admin/profiles" className="text-sm text-brand-700 hover:underline dark:text-brand-300">
            {t('backToList')}
          </Link>
        }
      />
      <ProfileEditor initial={initial} />
    </>
  );
}
