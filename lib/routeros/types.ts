/**
 * The interface the rest of Knockgate uses to talk to a router. Two implementations sit behind it:
 * our client (client.ts, shipped) and an adapter over node-routeros (kept for comparison only).
 */

export interface RouterConfig {
  /** Stable router id (the database id); the pool keys connections by it. */
  id: string;
  host: string;
  /** Defaults to 8729 with TLS and 8728 without (node-routeros sends TLS to 8728 unless told). */
  port?: number;
  /** API-SSL. */
  tls: boolean;
  /** SHA-256 fingerprint of the router's certificate (hex, colons optional). Pinned when set. */
  fingerprint?: string;
  /** CA to verify the router's certificate with when no fingerprint is pinned. */
  ca?: string;
  username: string;
  password: string;
  /** Deadline of one command, the wait for a connection included. Default 10 s. */
  timeoutMs?: number;
  /** Deadline of connect + login. Default: timeoutMs. */
  connectTimeoutMs?: number;
  /** Idle time after which a cheap command checks the connection; 0 disables. Default 30 s. */
  keepaliveMs?: number;
  /** Reconnect in the background after a drop. Default true. */
  persistent?: boolean;
  /**
   * Reconnect backoff: doubles from `initialDelayMs` to `maxDelayMs`, and starts again from the
   * beginning only once a session has stayed up for `stableMs` (default 10 s).
   */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number; stableMs?: number };
  breaker?: { failureThreshold?: number; resetTimeoutMs?: number };
}

export type RouterRow = Record<string, string>;

export interface RouterReply {
  /** `!re` rows in order. */
  rows: RouterRow[];
  /** Attributes of `!done` (e.g. `ret` of add and of count-only print). */
  done: RouterRow;
  /** RouterOS 7.18+ said `!empty`. */
  empty: boolean;
}

export interface CommandOptions {
  /** Overrides the config's timeoutMs for this call. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface PrintOptions extends CommandOptions {
  /** Query words, e.g. from query.ts: `eq('comment', 'knockgate:42')`. */
  query?: readonly string[];
  /** Only these properties (`.proplist`). */
  proplist?: readonly string[];
}

export type AttributeValue = string | number | boolean;

export type ClientState = 'idle' | 'connecting' | 'ready' | 'backoff' | 'closed';

export interface RouterClientEvents {
  /** A connection was opened and logged in (first time or after a reconnect). */
  connected: [];
  /** The connection was lost (error) or closed on purpose (null). */
  disconnected: [error: Error | null];
  state: [state: ClientState];
  /** One command settled: its name, how long it took, and its error code when it failed. */
  command: [info: { command: string; ms: number; error: string | null }];
}

export interface RouterClient {
  readonly id: string;
  readonly state: ClientState;
  connect(options?: CommandOptions): Promise<void>;
  /** Sends one sentence (`/path/verb`, `=attr=value`, `?query` words) and waits for `!done`. */
  command(words: readonly string[], options?: CommandOptions): Promise<RouterReply>;
  print(path: string, options?: PrintOptions): Promise<RouterRow[]>;
  /** Adds an item and returns its `.id` (`*1A`). */
  add(path: string, attributes: Record<string, AttributeValue>, options?: CommandOptions): Promise<string>;
  set(
    path: string,
    id: string,
    attributes: Record<string, AttributeValue>,
    options?: CommandOptions,
  ): Promise<void>;
  remove(path: string, ids: string | readonly string[], options?: CommandOptions): Promise<void>;
  close(): Promise<void>;
  on<E extends keyof RouterClientEvents>(event: E, listener: (...args: RouterClientEvents[E]) => void): this;
  off<E extends keyof RouterClientEvents>(event: E, listener: (...args: RouterClientEvents[E]) => void): this;
}

export function defaultPort(config: Pick<RouterConfig, 'port' | 'tls'>): number {
  return config.port ?? (config.tls ? 8729 : 8728);
}

export function attributeWords(attributes: Record<string, AttributeValue>): string[] {
  return Object.entries(attributes).map(([name, value]) => {
    const v = typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);
    return `=${name}=${v}`;
  });
}

export function printWords(path: string, options: PrintOptions = {}): string[] {
  const words = [`${path}/print`];
  if (options.proplist) words.push(`=.proplist=${options.proplist.join(',')}`);
  if (options.query) words.push(...options.query);
  return words;
}
