import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The one schema of Knockgate, for PGlite and PostgreSQL alike. Migrations in drizzle/ are
 * generated from this file by `npm run db:generate`.
 */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const roleEnum = pgEnum('role', ['admin', 'approver', 'user']);
export type Role = (typeof roleEnum.enumValues)[number];

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Lower-cased sign-in name. */
    username: text('username').notNull(),
    email: text('email'),
    displayName: text('display_name'),
    passwordHash: text('password_hash').notNull(),
    role: roleEnum('role').notNull().default('user'),
    disabled: boolean('disabled').notNull().default(false),
    /** Set when an admin reset the password: the user must choose a new one. */
    mustChangePassword: boolean('must_change_password').notNull().default(false),
    /** TOTP secret, encrypted with the secret box (AES-256-GCM); null when not enrolled. */
    totpSecretEnc: text('totp_secret_enc'),
    totpEnabledAt: timestamp('totp_enabled_at', { withTimezone: true }),
    /** Last accepted TOTP time step: a code is never accepted twice (RFC 6238 §5.2). */
    totpLastStep: bigint('totp_last_step', { mode: 'number' }),
    locale: text('locale'),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_username_key').on(t.username)],
);
export type User = typeof users.$inferSelect;

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** SHA-256 of the random session token carried inside the signed session cookie. */
    tokenHash: text('token_hash').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    clientAddress: text('client_address'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
  },
  (t) => [uniqueIndex('sessions_token_hash_key').on(t.tokenHash), index('sessions_user_idx').on(t.userId)],
);
export type Session = typeof sessions.$inferSelect;

export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('recovery_codes_user_idx').on(t.userId)],
);

/**
 * Failed sign-ins, one row each, keyed by account name and by client address. Counting rows in a
 * window (instead of a counter in memory) makes throttling hold across app instances.
 */
export const authFailures = pgTable(
  'auth_failures',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    key: text('key').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('auth_failures_key_at_idx').on(t.key, t.at)],
);

/** Append-only: the app only ever inserts here (a database trigger refuses UPDATE and DELETE). */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorUserId: uuid('actor_user_id'),
    /** Who acted, as text that survives the user's deletion ("alice", "system", "device:nas"). */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    target: text('target'),
    clientAddress: text('client_address'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [
    index('audit_events_at_idx').on(t.at),
    index('audit_events_actor_idx').on(t.actorUserId, t.at),
    index('audit_events_action_idx').on(t.action, t.at),
  ],
);
export type AuditEvent = typeof auditEvents.$inferSelect;

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: updatedAt(),
});

/** A RouterOS router Knockgate manages address lists on. */
export const routers = pgTable(
  'routers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    host: text('host').notNull(),
    port: integer('port').notNull(),
    tls: boolean('tls').notNull().default(false),
    /** SHA-256 fingerprint of the API-SSL certificate, pinned when set. */
    fingerprint: text('fingerprint'),
    username: text('username').notNull(),
    /** Encrypted with the secret box ('router-password'); never sent to the browser or logged. */
    passwordEnc: text('password_enc').notNull(),
    ipv4List: text('ipv4_list').notNull().default('knockgate'),
    ipv6List: text('ipv6_list').notNull().default('knockgate'),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('routers_name_key').on(t.name)],
);
export type Router = typeof routers.$inferSelect;

export const policySubjectEnum = pgEnum('policy_subject', ['role', 'user']);

/**
 * Who may open which router lists, for how long. A user's effective policy is the one made for
 * them, else the one for their role.
 */
export const policies = pgTable(
  'policies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    subjectType: policySubjectEnum('subject_type').notNull(),
    subjectRole: roleEnum('subject_role'),
    subjectUserId: uuid('subject_user_id').references(() => users.id, { onDelete: 'cascade' }),
    defaultDurationSeconds: integer('default_duration_seconds').notNull(),
    maxDurationSeconds: integer('max_duration_seconds').notNull(),
    /** A successful sign-in opens access for the caller's address. */
    knockOnSignIn: boolean('knock_on_sign_in').notNull().default(true),
    /** Direct access (open it yourself) or only by request and approval. */
    directAccess: boolean('direct_access').notNull().default(true),
    /** Requests may name another address than the caller's own (or a host name, see below). */
    requestOtherAddresses: boolean('request_other_addresses').notNull().default(false),
    /** How long a request waits for a decision before it expires. */
    requestTtlSeconds: integer('request_ttl_seconds').notNull().default(3600),
    /** Approvals a request needs (1, or 2 for "two approvals required"). */
    approvalsRequired: integer('approvals_required').notNull().default(1),
    /** Host-name grants (a DDNS name in the address list) are allowed. */
    allowHostnames: boolean('allow_hostnames').notNull().default(false),
    /** When set, host names must end with one of these DNS suffixes (e.g. `dyndns.example.net`). */
    hostnameSuffixes: jsonb('hostname_suffixes').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** Devices (DynDNS2 clients) may move this user's grants. */
    allowDevices: boolean('allow_devices').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('policies_name_key').on(t.name),
    uniqueIndex('policies_role_key').on(t.subjectRole),
    uniqueIndex('policies_user_key').on(t.subjectUserId),
  ],
);
export type Policy = typeof policies.$inferSelect;

/** The router lists a policy opens. `list` null means the router's own list for the address family. */
export const policyTargets = pgTable(
  'policy_targets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    policyId: uuid('policy_id')
      .notNull()
      .references(() => policies.id, { onDelete: 'cascade' }),
    routerId: uuid('router_id')
      .notNull()
      .references(() => routers.id, { onDelete: 'cascade' }),
    list: text('list'),
  },
  (t) => [uniqueIndex('policy_targets_key').on(t.policyId, t.routerId, t.list)],
);

export const grantStatusEnum = pgEnum('grant_status', [
  'pending',
  'active',
  'revoke_pending',
  'revoked',
  'expired',
  'failed',
]);
export type GrantStatus = (typeof grantStatusEnum.enumValues)[number];
export const LIVE_GRANT_STATUSES = ['pending', 'active', 'revoke_pending'] as const satisfies GrantStatus[];

export const grantSourceEnum = pgEnum('grant_source', ['web', 'ddns', 'request', 'classic']);
export type GrantSource = (typeof grantSourceEnum.enumValues)[number];

/**
 * One address (or host name) on one router list until `expires_at`. The router entry carries
 * `timeout` = time left and `comment` = `knockgate:<id>`.
 */
export const grants = pgTable(
  'grants',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    routerId: uuid('router_id')
      .notNull()
      .references(() => routers.id, { onDelete: 'cascade' }),
    family: text('family', { enum: ['ip', 'ipv6'] }).notNull(),
    list: text('list').notNull(),
    /** An IPv4/IPv6 address, or a fully qualified host name. */
    address: text('address').notNull(),
    kind: text('kind', { enum: ['address', 'hostname'] })
      .notNull()
      .default('address'),
    source: grantSourceEnum('source').notNull(),
    status: grantStatusEnum('status').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /** When the router first confirmed the entry. */
    activatedAt: timestamp('activated_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** Who opened it (user, approver, system). */
    openedBy: text('opened_by').notNull(),
    endedBy: text('ended_by'),
    routerEntryId: text('router_entry_id'),
    lastError: text('last_error'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    /** The approved request this grant came from. */
    requestId: uuid('request_id'),
    /** The device (DynDNS2 client) whose address this grant follows. */
    deviceId: uuid('device_id'),
  },
  (t) => [
    index('grants_router_status_idx').on(t.routerId, t.status),
    index('grants_user_idx').on(t.userId, t.status),
    index('grants_expires_idx').on(t.status, t.expiresAt),
    index('grants_request_idx').on(t.requestId),
    index('grants_device_idx').on(t.deviceId),
    // One user, one address, one list, one router: at most one live grant (extend, never stack)
    // — per device: a DynDNS2 device's grant is its own, beside the person's sign-in grant for the
    // same address and another device's, so a device moving away ends only what it opened (the
    // router entry is shared by all of them). The family is part of the key: a host name may be
    // open on the IPv4 and the IPv6 list alike.
    uniqueIndex('grants_one_live_key')
      .on(
        t.userId,
        t.routerId,
        t.family,
        t.list,
        t.address,
        sql`coalesce(${t.deviceId}, '00000000-0000-0000-0000-000000000000'::uuid)`,
      )
      .where(sql`${t.status} in ('pending', 'active', 'revoke_pending')`),
  ],
);
export type Grant = typeof grants.$inferSelect;

/** A classic knock profile (lib/profiles): the designed sequence, stored as validated input. */
export const knockProfiles = pgTable(
  'knock_profiles',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    /** The profile as `lib/profiles/model.ts` validates it (steps, lists, options). */
    definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
    /** Secret of rotating sequences, encrypted ('profile-secret'); null when the ports are fixed. */
    rotationSecretEnc: text('rotation_secret_enc'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('knock_profiles_name_key').on(t.name)],
);
export type KnockProfile = typeof knockProfiles.$inferSelect;

/** Where a profile's rules are applied, and how that went. */
export const profileDeployments = pgTable(
  'profile_deployments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    profileId: uuid('profile_id')
      .notNull()
      .references(() => knockProfiles.id, { onDelete: 'cascade' }),
    routerId: uuid('router_id')
      .notNull()
      .references(() => routers.id, { onDelete: 'cascade' }),
    /** 'applied' | 'failed' | 'removed' */
    status: text('status').notNull(),
    /** Hash of the generated rule set last applied, to spot drift and changed profiles. */
    rulesHash: text('rules_hash'),
    /** For rotating sequences: the time window whose ports are on the router. */
    rotationWindow: bigint('rotation_window', { mode: 'number' }),
    lastError: text('last_error'),
    appliedAt: timestamp('applied_at', { withTimezone: true }),
    appliedBy: text('applied_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('profile_deployments_key').on(t.profileId, t.routerId)],
);
export type ProfileDeployment = typeof profileDeployments.$inferSelect;

export const requestStatusEnum = pgEnum('request_status', [
  'pending',
  'approved',
  'denied',
  'expired',
  'cancelled',
]);
export type RequestStatus = (typeof requestStatusEnum.enumValues)[number];

/** A request for temporary access, decided by an approver (never the requester). */
export const accessRequests = pgTable(
  'access_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** null: every router/list the requester's policy names. */
    routerId: uuid('router_id').references(() => routers.id, { onDelete: 'cascade' }),
    list: text('list'),
    /** IPv4/IPv6 address or host name. */
    address: text('address').notNull(),
    kind: text('kind', { enum: ['address', 'hostname'] })
      .notNull()
      .default('address'),
    requestedSeconds: integer('requested_seconds').notNull(),
    approvedSeconds: integer('approved_seconds'),
    reason: text('reason').notNull(),
    status: requestStatusEnum('status').notNull().default('pending'),
    approvalsRequired: integer('approvals_required').notNull().default(1),
    /** The requester's address when asking. */
    clientAddress: text('client_address'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /** Undecided after this moment → expired. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decidedBy: uuid('decided_by').references(() => users.id, { onDelete: 'set null' }),
    decisionNote: text('decision_note'),
    /**
     * When the grants of an approved request were recorded (active or pending). Still null after
     * an approval means the process stopped before opening them: the worker opens them then.
     */
    grantsOpenedAt: timestamp('grants_opened_at', { withTimezone: true }),
  },
  (t) => [
    index('access_requests_status_idx').on(t.status, t.createdAt),
    index('access_requests_user_idx').on(t.userId, t.createdAt),
  ],
);
export type AccessRequest = typeof accessRequests.$inferSelect;

/** One approver's approval of a request (two-approval policies collect two distinct ones). */
export const requestApprovals = pgTable(
  'request_approvals',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => accessRequests.id, { onDelete: 'cascade' }),
    approverId: uuid('approver_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    approvedSeconds: integer('approved_seconds').notNull(),
    note: text('note'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('request_approvals_key').on(t.requestId, t.approverId)],
);

/** A DynDNS2 client (ddclient, inadyn, a router's DDNS) that moves its owner's grant. */
export const devices = pgTable(
  'devices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The `hostname` the client sends; unique across Knockgate. */
    name: text('name').notNull(),
    /** SHA-256 of the random token (shown once). */
    tokenHash: text('token_hash').notNull(),
    /** null: every router/list the owner's policy names. */
    routerId: uuid('router_id').references(() => routers.id, { onDelete: 'cascade' }),
    lastAddress4: text('last_address4'),
    lastAddress6: text('last_address6'),
    lastUpdateAt: timestamp('last_update_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('devices_name_key').on(t.name), index('devices_user_idx').on(t.userId)],
);
export type Device = typeof devices.$inferSelect;

/** Generic rate-limit events (DynDNS2 updates per device, webhook attempts…), counted in a window. */
export const rateEvents = pgTable(
  'rate_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    key: text('key').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('rate_events_key_at_idx').on(t.key, t.at)],
);

/**
 * The outgoing webhook's deliveries (a transactional outbox): a request event writes its delivery
 * in the same transaction as the change, so a stop or crash loses none; any instance's sender
 * claims due rows (`next_attempt_at` doubles as a lease while one is being sent). Not part of
 * the audit log: delivered and given-up rows are deleted after `WEBHOOK_KEEP_DAYS`.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    /** The delivery id the receiver sees (`x-knockgate-delivery`), the same on every retry. */
    id: uuid('id').primaryKey().defaultRandom(),
    event: text('event').notNull(),
    payload: jsonb('payload').notNull(),
    /** pending → sending (claimed by a sender) → delivered | failed, or back to pending to retry. */
    status: text('status', { enum: ['pending', 'sending', 'delivered', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** Due for its next attempt (pending), or the end of the sender's lease (sending). */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('webhook_deliveries_created_idx').on(t.createdAt),
  ],
);
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;

/**
 * Leases that serialise changes of one router entry (or one router's profile rules) across
 * instances on PostgreSQL (lib/grants/key-lock.ts). A row is held by one instance until it is
 * deleted or `expires_at` (database time) has passed, so a stopped instance blocks nothing for
 * longer than one lease. Created UNLOGGED by its migration (leases need no crash safety).
 */
export const entryLocks = pgTable('entry_locks', {
  key: text('key').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});
