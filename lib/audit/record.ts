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

/**
 * Appends one audit event. Call it with the transaction that makes the change, so the change
 * and its record commit together or not at all.
 */
export async function recordAudit(db: Queryable, input: AuditInput): Promise<void> {
  await db.insert(auditEvents).values({
    actorUserId: input.actor.userId,
    actor: input.actor.label,
    clientAddress: input.actor.clientAddress,
    action: input.action,
    targetType: input.targetType ?? null,
    targetId: input.targetId ?? null,
    target: input.target ?? null,
    details: input.details ?? {},
  });
}
