/**
 * An error as one line for the log or an admin's status line. A failed query keeps its SQL and
 * the database's own reason (the cause) but never its parameters: they can hold password
 * hashes, token hashes and encrypted secrets.
 */
export function errorText(error: unknown, depth = 0): string {
  if (!(error instanceof Error)) return String(error);
  let text = error.message || error.name;
  const params = text.indexOf('\nparams:');
  if (params >= 0) text = text.slice(0, params);
  const cause = error.cause;
  if (cause instanceof Error && depth < 3) {
    const inner = errorText(cause, depth + 1);
    if (inner && !text.includes(inner)) text += `: ${inner}`;
  }
  return text;
}
