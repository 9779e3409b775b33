import { redirect } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { SignInForm } from '@/components/auth/sign-in-form';
import { titled } from '@/i18n/titles';
import { getCurrentUser } from '@/lib/auth/guards';
import { safeNextPath } from '@/lib/auth/next-path';

export const generateMetadata = titled('signin');

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  const target = safeNextPath(next);
  if (await getCurrentUser()) redirect(target);
  const t = await getTranslations('signin');
  const common = await getTranslations('common');
  return (
    <main id="main" className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 text-center">
          <p className="text-3xl font-semibold tracking-tight text-brand-700 dark:text-brand-300">
            {common('appName')}
          </p>
          <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">{common('tagline')}</p>
        </div>
        <div className="rounded-lg border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
          <h1 className="mb-4 text-lg font-semibold">{t('title')}</h1>
          <SignInForm next={target} />
        </div>
      </div>
    </main>
  );
}
