import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Per-request context, opened by server.ts around each request and filled in as the request is
 * understood (the auth guard adds the user). Logs read it, so every line carries the request id,
 * client address and user without passing them around.
 */
export type RequestContext = {
  requestId: string;
  clientAddress?: string;
  userId?: string;
  username?: string;
};

const key = Symbol.for('knockgate.requestContext');
type Holder = { [key]?: AsyncLocalStorage<RequestContext> };
const holder = globalThis as Holder;
holder[key] ??= new AsyncLocalStorage<RequestContext>();
export const requestContext: AsyncLocalStorage<RequestContext> = holder[key];

export function currentRequest(): RequestContext | undefined {
  return requestContext.getStore();
}
