import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import { NextIntlClientProvider } from 'next-intl';
import { getLocale } from 'next-intl/server';
import type { ReactNode } from 'react';
import './globals.css';
import { THEME_COOKIE, themeClass } from '@/components/theme';

export const metadata: Metadata = {
  title: { default: 'Knockgate', template: '%s · Knockgate' },
  description: 'Sign in to open the firewall for this device.',
  robots: { index: false, follow: false },
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const locale = await getLocale();
  const theme = themeClass((await cookies()).get(THEME_COOKIE)?.value);
  return (
    <html lang={locale} className={theme}>
      <body className="min-h-screen">
        <NextIntlClientProvider>{children}</NextIntlClientProvider>
      </body>
    </html>
  );
}
