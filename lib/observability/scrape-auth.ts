import { timingSafeEqual } from 'node:crypto';
import { getEnv } from '../env';
import { clientAddressFrom } from '../net/client-address';

/**
 * Who may read operational detail (metrics, router names in readiness): with METRICS_TOKEN set, a
 * request carrying `Authorization: Bearer <token>`; without it, clients on this machine only.
 */
export function mayScrape(headers: { get(name: string): string | null }): boolean {
  const token = getEnv().METRICS_TOKEN;
  if (token) {
    const given = Buffer.from(headers.get('authorization') ?? '');
    const expected = Buffer.from(`Bearer ${token}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
  const client = clientAddressFrom(headers);
  return client !== undefined && (client.address === '127.0.0.1' || client.address === '::1');
}
