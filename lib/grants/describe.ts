import type { GrantOutcome } from './service';

/** The outcome of a grant change in words a person can act on (the UI translates by `state`). */
export function describeOutcome(outcome: GrantOutcome): {
  state: 'active' | 'covered' | 'pending' | 'revoked' | 'revoke_pending' | 'ended';
  grantId: string;
  expiresAt: string;
  message: string;
} {
  const g = outcome.grant;
  const base = { grantId: g.id, expiresAt: g.expiresAt.toISOString() };
  if (g.status === 'revoked')
    return { ...base, state: 'revoked', message: 'Access ended; the router no longer lists this address.' };
  if (g.status === 'revoke_pending') {
    return {
      ...base,
      state: 'revoke_pending',
      message: `Ending access: the router did not answer (${outcome.error?.message ?? 'retrying'}). Knockgate keeps trying until the entry is gone.`,
    };
  }
  if (g.status === 'pending' || !outcome.confirmed) {
    return {
      ...base,
      state: 'pending',
      message: `The router did not confirm yet (${outcome.error?.message ?? 'retrying'}); access opens as soon as it answers.`,
    };
  }
  if (g.status === 'active') {
    return outcome.covered
      ? {
          ...base,
          state: 'covered',
          message: 'Open: the router already allows this address through an entry Knockgate does not manage.',
        }
      : { ...base, state: 'active', message: 'Open: the router lists this address.' };
  }
  return { ...base, state: 'ended', message: 'This access has ended.' };
}
