import { errorText } from './error-text';
import { log } from './log';

/**
 * An unexpected failure inside a request: the details (which may hold SQL, parameters or paths)
 * go to the log with an id, the person gets a plain sentence with that id to quote.
 */
export function internalError(error: unknown): string {
  const ref = Math.random().toString(36).slice(2, 10);
  log().error({ ref, err: errorText(error) }, 'internal error');
  return `Something went wrong on our side (reference ${ref}); nothing was changed for this router.`;
}
