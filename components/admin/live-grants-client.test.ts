import { NextIntlClientProvider } from 'next-intl';
import { type ComponentProps, createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { LiveGrantsClient } from '@/components/admin/live-grants-client';
import { loadMessages } from '@/i18n/messages';
import type { LiveEntry, LiveRouterView } from '@/lib/grants/live';
import type { GrantView } from '@/lib/grants/views';

// The revoke button's server action is not part of what this renders.
vi.mock('@/app/(admin)/admin/grants/actions', () => ({ revokeGrantAction: async () => null }));

/** The provider, its children passed as createElement's argument (this file has no JSX). */
const IntlProvider = NextIntlClientProvider as FunctionComponent<
  Omit<ComponentProps<typeof NextIntlClientProvider>, 'children'>
>;

/** The admin's live grants table as rendered for the first snapshot (server-side render). */
const grant: GrantView = {
  id: '00000000-0000-4000-8000-000000000001',
  routerId: 'r1',
  routerName: 'edge',
  list: 'knockgate',
  family: 'ip',
  address: '198.51.100.7',
  kind: 'address',
  source: 'web',
  status: 'active',
  expiresAt: new Date(Date.now() + 3600_000).toISOString(),
  createdAt: new Date().toISOString(),
  openedBy: 'alice',
  username: 'alice',
  lastError: null,
};

function entry(overrides: Partial<LiveEntry>): LiveEntry {
  return {
    entryId: '*1',
    family: 'ip',
    list: 'knockgate',
    address: '198.51.100.7',
    timeoutSeconds: 3600,
    dynamic: true,
    disabled: false,
    comment: `knockgate:${grant.id}`,
    kind: 'grant',
    grant,
    alsoFor: [],
    classicProfile: null,
    resolvedFrom: null,
    resolved: [],
    ...overrides,
  };
}

function render(entries: LiveEntry[], locale: 'en' | 'bg' = 'en'): string {
  const router: LiveRouterView = {
    routerId: 'r1',
    routerName: 'edge',
    readAt: new Date().toISOString(),
    error: null,
    entries,
  };
  return renderToStaticMarkup(
    createElement(
      IntlProvider,
      { locale, messages: loadMessages(locale), timeZone: 'UTC' },
      createElement(LiveGrantsClient, {
        initial: { routers: [router], serverTime: new Date().toISOString() },
        canRevoke: true,
      }),
    ),
  );
}

/** The markup of the table row for `address`. */
function row(html: string, address: string): string {
  const start = html.indexOf(`data-address="${address}"`);
  expect(start).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</tr>', start));
}

describe('the live grants table', () => {
  it('marks an entry that is disabled on the router, whatever its kind', () => {
    const html = render([
      entry({ disabled: true }),
      entry({
        entryId: '*2',
        address: '198.51.100.8',
        comment: 'admin static',
        kind: 'unmanaged',
        grant: null,
        disabled: true,
      }),
      entry({ entryId: '*3', address: '198.51.100.9', comment: `knockgate:${grant.id}x`, kind: 'orphan' }),
    ]);
    const disabledGrant = row(html, '198.51.100.7');
    expect(disabledGrant).toContain('data-testid="entry-disabled"');
    expect(disabledGrant).toContain('>disabled<');
    expect(disabledGrant).toContain('Knockgate grant');
    expect(row(html, '198.51.100.8')).toContain('data-testid="entry-disabled"');
    expect(row(html, '198.51.100.9')).not.toContain('entry-disabled');
  });

  it('says so in Bulgarian too', () => {
    expect(row(render([entry({ disabled: true })], 'bg'), '198.51.100.7')).toContain('>изключен<');
  });
});
