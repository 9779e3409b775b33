/**
 * Errors are values with stable codes, so the UI and the tests match on codes, not on prose.
 */
export type ErrorValue = { code: string; message: string; fields?: Record<string, string> };
export type Result<T, E extends ErrorValue = ErrorValue> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const fail = (code: string, message: string, fields?: Record<string, string>) =>
  ({ ok: false, error: fields ? { code, message, fields } : { code, message } }) as const;
