import type { Metadata } from 'next';
import { getTranslations } from 'next-intl/server';
import type en from '../messages/en/core.json';

export type TitleKey = keyof (typeof en)['titles'];

/** `export const generateMetadata = titled('routers')`: the browser tab title in the page's language. */
export function titled(key: TitleKey): () => Promise<Metadata> {
  return async () => ({ title: (await getTranslations('titles'))(key) });
}
