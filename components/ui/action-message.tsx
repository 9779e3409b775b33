import type { ActionResult } from '@/lib/auth/action';
import { Alert } from './alert';

/** The outcome of a server action as a short status line; errors carry their stable code. */
export function ActionMessage({ state, success }: { state: ActionResult<unknown>; success?: string }) {
  if (state.ok) {
    return success ? <Alert tone="success">{success}</Alert> : null;
  }
  return (
    <Alert tone="error">
      <span data-error-code={state.error.code}>{state.error.message}</span>
    </Alert>
  );
}
