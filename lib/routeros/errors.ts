/**
 * Typed errors of the RouterOS layer. Every failure that leaves lib/routeros is one of these, with a
 * stable `code` the services and the UI match on (never on the prose of `message`).
 */

const ROUTER_ERROR = Symbol.for('knockgate.RouterError');

export abstract class RouterError extends Error {
  abstract readonly code: string;
  readonly [ROUTER_ERROR] = true;

  /**
   * `instanceof` by brand and code, not by prototype: server.ts and the Next.js server bundle load
   * separate copies of this module in one process and share router clients (pool.ts), so an error
   * thrown by one copy's client must still be recognised by the other copy's services.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (
      typeof value !== 'object' ||
      value === null ||
      (value as Record<symbol, unknown>)[ROUTER_ERROR] !== true
    ) {
      return false;
    }
    const code = (this as unknown as { CODE?: string }).CODE;
    return code === undefined || (value as { code?: string }).code === code;
  }
  /** The router the error belongs to, when known (the config `id`). */
  routerId: string | undefined;

  constructor(message: string, options?: { cause?: unknown; routerId?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.routerId = options?.routerId;
  }
}

/** Bytes on the wire that do not form valid API sentences (bad length prefix, truncated or oversize word, garbage reply). */
export class RouterProtocolError extends RouterError {
  static readonly CODE = 'router_protocol';
  readonly code = 'router_protocol';
  constructor(
    readonly reason: 'bad_length' | 'oversize_word' | 'oversize_sentence' | 'truncated' | 'unexpected_reply',
    message: string,
    options?: { cause?: unknown; routerId?: string },
  ) {
    super(message, options);
  }
}

/** The router answered `!trap`: the command was understood and refused (duplicate, no such item, permissions…). */
export class RouterTrapError extends RouterError {
  static readonly CODE = 'router_trap';
  readonly code = 'router_trap';
  constructor(
    /** The router's own `=message=` text, e.g. `failure: already have such entry`. */
    readonly trapMessage: string,
    /** The `=category=` number when the router sent one (0 missing item/command … 7 :return value). */
    readonly category: number | undefined,
    readonly command: string,
    options?: { routerId?: string },
  ) {
    super(`${command}: ${trapMessage}`, options);
  }

  /** RouterOS refuses a second entry with the same list+address (all versions). */
  get isDuplicate(): boolean {
    return /already have such entry/i.test(this.trapMessage);
  }

  /** `no such item` (v6) / `no such item (4)` (v7). */
  get isNoSuchItem(): boolean {
    return /no such item/i.test(this.trapMessage);
  }

  get isPermissionDenied(): boolean {
    return /not enough permissions/i.test(this.trapMessage);
  }
}

/** A command (or the connect + login) did not finish before its deadline. */
export class RouterTimeoutError extends RouterError {
  static readonly CODE = 'router_timeout';
  readonly code = 'router_timeout';
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
    options?: { routerId?: string },
  ) {
    super(`${command}: no answer within ${timeoutMs} ms`, options);
  }
}

/** The TCP/TLS connection could not be opened or was lost while a command was in flight. */
export class RouterConnectionError extends RouterError {
  static readonly CODE = 'router_unreachable';
  readonly code = 'router_unreachable';
}

/** The TLS certificate did not match the pinned SHA-256 fingerprint (or failed verification). */
export class RouterTlsError extends RouterError {
  static readonly CODE = 'router_tls';
  readonly code = 'router_tls';
}

/** The router sent `!fatal` (it closes the connection right after). */
export class RouterFatalError extends RouterError {
  static readonly CODE = 'router_fatal';
  readonly code = 'router_fatal';
  constructor(
    readonly fatalMessage: string,
    options?: { routerId?: string },
  ) {
    super(`router closed the session: ${fatalMessage}`, options);
  }
}

/** Login refused: wrong user name or password, or the user lacks the `api` policy. */
export class RouterAuthError extends RouterError {
  static readonly CODE = 'router_auth';
  readonly code = 'router_auth';
}

/** Too many consecutive failures: calls fail fast until the breaker lets a probe through. */
export class RouterCircuitOpenError extends RouterError {
  static readonly CODE = 'router_circuit_open';
  readonly code = 'router_circuit_open';
  constructor(
    readonly retryAt: number,
    options?: { routerId?: string },
  ) {
    super(`router marked unreachable; next attempt after ${new Date(retryAt).toISOString()}`, options);
  }
}

/** The command was cancelled by the caller (AbortSignal) or with `/cancel`. */
export class RouterCancelledError extends RouterError {
  static readonly CODE = 'router_cancelled';
  readonly code = 'router_cancelled';
}

/** The client was closed by its owner; no more commands are accepted. */
export class RouterClosedError extends RouterError {
  static readonly CODE = 'router_closed';
  readonly code = 'router_closed';
}

/** A RouterOS duration string that cannot be parsed, or a value out of RouterOS's range. */
export class RouterDurationError extends RouterError {
  static readonly CODE = 'duration_invalid';
  readonly code = 'duration_invalid';
}

export function isRouterError(value: unknown): value is RouterError {
  return value instanceof RouterError;
}
