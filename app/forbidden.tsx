import { getTranslations } from 'next-intl/server';

export default async function Forbidden() {
  const t = await getTranslations('errors');
  return (
    <main id="main" className="mx-auto max-w-lg px-4 py-24 text-center">
      <p className="text-sm font-semibold text-zinc-500">403</p>
      <h1 className="mt-2 text-2xl font-semibold">{t('forbiddenTitle')}</h1>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">{t('forbidden')}</p>
      <a href="/" className="mt-6 inline-block text-brand-700 underline dark:text-brand-300">
        {t('backHome')}
      </a>
    </main>
  );
}
