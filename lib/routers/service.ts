import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { Actor } from '../audit/actor';
import { recordAudit } from '../audit/record';
import { secretBox } from '../crypto';
import type { SecretBox } from '../crypto/secret-box';
import type { Db, Queryable } from '../db/client';
import { grants, LIVE_GRANT_STATUSES, type Router, routers } from '../db/schema';
import { fail, ok, type Result } from '../result';
import {
  closeRouterClient,
  createRouterClient,
  getRouterClient,
  isRouterError,
  type RouterClient,
  type RouterConfig,
} from '../routeros';
import type { RouterForm } from './schema';

/** A router as the browser may see it: never the password. */
export type PublicRouter = Omit<Router, 'passwordEnc'> & { hasPassword: boolean };

export function toPublicRouter(router: Router, box: SecretBox = secretBox()): PublicRouter {
  const { passwordEnc, ...rest } = router;
  let hasPassword = false;
  try {
    hasPassword = box.open(passwordEnc, 'router-password') !== '';
  } catch {
    hasPassword = true;
  }
  return { ...rest, hasPassword };
}

export async function listRouters(db: Queryable): Promise<Router[]> {
  return db.select().from(routers).orderBy(asc(routers.name));
}

export async function findRouter(db: Queryable, id: string): Promise<Router | undefined> {
  return (await db.select().from(routers).where(eq(routers.id, id)).limit(1))[0];
}

const defaultPortFor = (tls: boolean) => (tls ? 8729 : 8728);

/** What changed, for the audit row; the password only as "changed". */
function diff(before: Router | undefined, after: Router): Record<string, unknown> {
  const keys = [
    'name',
    'host',
    'port',
    'tls',
    'fingerprint',
    'username',
    'ipv4List',
    'ipv6List',
    'enabled',
  ] as const;
  const changes: Record<string, unknown> = {};
  for (const k of keys) {
    if (!before || before[k] !== after[k]) changes[k] = { before: before?.[k] ?? null, after: after[k] };
  }
  if (before && before.passwordEnc !== after.passwordEnc) changes.password = 'changed';
  return changes;
}

export async function createRouter(
  db: Db,
  actor: Actor,
  input: RouterForm,
  box: SecretBox = secretBox(),
): Promise<Result<Router>> {
  return db.transaction(async (tx) => {
    const taken = await tx.select({ id: routers.id }).from(routers).where(eq(routers.name, input.name));
    if (taken.length > 0)
      return fail('name_taken', 'A router with that name exists.', { name: 'That name is taken.' });
    const [router] = await tx
      .insert(routers)
      .values({
        name: input.name,
        host: input.host,
        port: input.port ?? defaultPortFor(input.tls),
        tls: input.tls,
        fingerprint: input.fingerprint,
        username: input.username,
        passwordEnc: box.seal(input.password, 'router-password'),
        ipv4List: input.ipv4List,
        ipv6List: input.ipv6List,
        enabled: input.enabled,
      })
      .returning();
    await recordAudit(tx, {
      actor,
      action: 'router.create',
      targetType: 'router',
      targetId: router!.id,
      target: router!.name,
      details: { changes: diff(undefined, router!) },
    });
    return ok(router!);
  });
}

export async function updateRouter(
  db: Db,
  actor: Actor,
  id: string,
  input: RouterForm & { keepPassword?: boolean },
  box: SecretBox = secretBox(),
): Promise<Result<Router>> {
  const result = await db.transaction(async (tx) => {
    const before = await findRouter(tx, id);
    if (!before) return fail('not_found', 'No such router.');
    const clash = await tx.select({ id: routers.id }).from(routers).where(eq(routers.name, input.name));
    if (clash.some((r) => r.id !== id)) {
      return fail('name_taken', 'A router with that name exists.', { name: 'That name is taken.' });
    }
    const keep = input.keepPassword ?? input.password === '';
    // The stored password goes only where it went before: pointing the router record somewhere
    // else (or dropping TLS or the pinned certificate) would hand it to whatever answers there.
    const moved =
      input.host !== before.host ||
      (input.port ?? defaultPortFor(input.tls)) !== before.port ||
      input.tls !== before.tls ||
      (input.fingerprint ?? null) !== (before.fingerprint ?? null) ||
      input.username !== before.username;
    if (keep && moved) {
      return fail('password_required', 'Enter the router password again: the connection settings changed.', {
        password: 'Enter the password again: the address, port, TLS, certificate or user changed.',
      });
    }
    const [after] = await tx
      .update(routers)
      .set({
        name: input.name,
        host: input.host,
        port: input.port ?? defaultPortFor(input.tls),
        tls: input.tls,
        fingerprint: input.fingerprint,
        username: input.username,
        passwordEnc: keep ? before.passwordEnc : box.seal(input.password, 'router-password'),
        ipv4List: input.ipv4List,
        ipv6List: input.ipv6List,
        enabled: input.enabled,
        updatedAt: new Date(),
      })
      .where(eq(routers.id, id))
      .returning();
    await recordAudit(tx, {
      actor,
      action: 'router.update',
      targetType: 'router',
      targetId: id,
      target: after!.name,
      details: { changes: diff(before, after!) },
    });
    return ok(after!);
  });
  // The pooled connection uses the old settings; the next use opens a fresh one.
  if (result.ok) await closeRouterClient(id);
  return result;
}

/**
 * Deletes a router record. Refused while grants on it are still live or being ended (the router
 * has not confirmed their removal): deleting them with the record would leave their entries on
 * the router with nothing to remove them. `force` deletes anyway, for a router that is gone for
 * good; the audit event says how many grants were given up.
 */
export async function deleteRouter(
  db: Db,
  actor: Actor,
  id: string,
  options: { force?: boolean } = {},
): Promise<Result<null>> {
  const result = await db.transaction(async (tx) => {
    // Locked first: a grant being opened on this router (its insert takes a key-share lock on
    // the router row) either commits before this count or waits and then finds no router.
    const [before] = await tx.select().from(routers).where(eq(routers.id, id)).for('update');
    if (!before) return fail('not_found', 'No such router.');
    const [{ open } = { open: 0 }] = await tx
      .select({ open: count() })
      .from(grants)
      .where(and(eq(grants.routerId, id), inArray(grants.status, [...LIVE_GRANT_STATUSES])));
    if (open > 0 && !options.force) {
      return fail(
        'router_has_grants',
        `${open} grant(s) on this router are not ended yet: the router has not confirmed their removal. Knockgate keeps trying while it can reach the router. Delete it once they are gone, or delete anyway (their entries then stay on the router until they time out).`,
      );
    }
    await tx.delete(routers).where(eq(routers.id, id));
    await recordAudit(tx, {
      actor,
      action: 'router.delete',
      targetType: 'router',
      targetId: id,
      target: before.name,
      details: {
        host: before.host,
        port: before.port,
        ...(open > 0 ? { forced: true, grantsGivenUp: open } : {}),
      },
    });
    return ok(null);
  });
  if (result.ok) await closeRouterClient(id);
  return result;
}

/** The client configuration of a router, password decrypted (server side only). */
export function routerConfig(router: Router, box: SecretBox = secretBox(), timeoutMs = 5_000): RouterConfig {
  return {
    id: router.id,
    host: router.host,
    port: router.port,
    tls: router.tls,
    ...(router.fingerprint ? { fingerprint: router.fingerprint } : {}),
    username: router.username,
    password: box.open(router.passwordEnc, 'router-password'),
    timeoutMs,
    connectTimeoutMs: timeoutMs,
  };
}

/** The shared, persistent client of a router. */
export function clientForRouter(router: Router, box: SecretBox = secretBox()): RouterClient {
  return getRouterClient(routerConfig(router, box));
}

export type ConnectionReport = {
  version: string;
  identity: string;
  boardName: string | null;
  user: string;
  group: string | null;
  canWrite: boolean;
  canRead: boolean;
  canApi: boolean;
};

/**
 * "Test connection": log in with these settings on a fresh connection (not the pooled one), and
 * report the RouterOS version, identity and whether the API user may read and write.
 */
export async function testRouterConnection(config: RouterConfig): Promise<Result<ConnectionReport>> {
  const client = createRouterClient({ ...config, persistent: false, timeoutMs: config.timeoutMs ?? 5_000 });
  try {
    await client.connect();
    const [resource] = await client.print('/system/resource');
    const [identity] = await client.print('/system/identity');
    const [user] = await client.print('/user', { query: [`?name=${config.username}`] });
    let policy = '';
    if (user?.group) {
      const [group] = await client.print('/user/group', { query: [`?name=${user.group}`] });
      policy = group?.policy ?? '';
    }
    const granted = new Set(
      policy
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p && !p.startsWith('!')),
    );
    return ok({
      version: resource?.version ?? 'unknown',
      identity: identity?.name ?? 'unknown',
      boardName: resource?.['board-name'] ?? null,
      user: config.username,
      group: user?.group ?? null,
      canWrite: granted.has('write'),
      canRead: granted.has('read'),
      canApi: granted.has('api'),
    });
  } catch (error) {
    return fail(isRouterError(error) ? error.code : 'router_error', describeRouterError(error));
  } finally {
    await client.close();
  }
}

/** A plain sentence for people; the code stays machine-readable. */
export function describeRouterError(error: unknown): string {
  if (!isRouterError(error)) return 'The router could not be reached.';
  switch (error.code) {
    case 'router_auth':
      return 'The router refused the user name or password.';
    case 'router_timeout':
      return 'The router did not answer in time.';
    case 'router_unreachable':
      return `Could not connect to the router (${error.message}).`;
    case 'router_tls':
      return `The TLS connection failed: ${error.message}`;
    case 'router_circuit_open':
      return 'The router failed repeatedly; Knockgate waits a little before trying again.';
    case 'router_trap':
      return `The router refused: ${error.message}`;
    default:
      return error.message;
  }
}
