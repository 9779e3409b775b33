import type { Queryable } from '../db/client';
import { auditEvents } from '../db/schema';
import type { Actor } from './actor';

export type AuditInput = {
  actor: Actor;
  action: string;
  targetType?: string;
  targetId?: string;
  target?: string;
  details?: Record<string, unknown>;
};

function row(input: AuditInput) {
  return {
    actorUserId: input.actor.userId,
    actor: input.actor.label,
    clientAddress: input.actor.clientAddress,
    action: input.action,
    targetType: input.targetType ?? null,
    targetId: input.targetId ?? null,
    target: input.target ?? null,
    details: input.details ?? {},
  };
}

/**
 * Appends one audit event. Call it with the transaction that makes the change, so the change
 * and its record commit together or not at all.
 */
export async function recordAudit(db: Queryable, input: AuditInput): Promise<void> {
  await db.insert(auditEvents).values(row(input));
}

/** Appends many audit events (batch changes: expiries, reconcile repairs) in few statements. */
export async function recordAuditMany(db: Queryable, inputs: AuditInput[]): Promise<void> {
  for (let i = 0; i < inputs.length; i += 1000) {
    await db.insert(auditEvents).values(inputs.slice(i, i + 1000).map(row));
  }
}
