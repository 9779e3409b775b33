/** Who performs a change, carried from the guard to the service and into the audit row. */
export type Actor = {
  userId: string | null;
  /** Shown in the audit log: a username, `system`, or `device:<name>`. */
  label: string;
  role?: 'admin' | 'approver' | 'user';
  clientAddress: string | null;
};

export const systemActor: Actor = { userId: null, label: 'system', clientAddress: null };
