/**
 * node-routeros 1.6.9 behind our RouterClient interface. Kept for the torture comparison
 * (bench/torture-compare.ts, docs/decisions.md): Knockgate ships RouterOSClient. The adapter adds
 * what a careful caller would — a deadline on every call, an 'error' listener, typed errors — so
 * the comparison measures the library's own defects, not missing glue.
 */
import { EventEmitter } from 'node:events';
import { RouterOSAPI } from 'node-routeros';
import {
  RouterAuthError,
  RouterClosedError,
  RouterConnectionError,
  type RouterError,
  RouterFatalError,
  RouterTimeoutError,
  RouterTrapError,
} from './errors';
import {
  type AttributeValue,
  attributeWords,
  type ClientState,
  type CommandOptions,
  type PrintOptions,
  printWords,
  type RouterClient,
  type RouterClientEvents,
  type RouterConfig,
  type RouterReply,
  type RouterRow,
} from './types';

export class NodeRouterosClient extends EventEmitter<RouterClientEvents> implements RouterClient {
  readonly id: string;
  private api: RouterOSAPI | null = null;
  private connecting: Promise<RouterOSAPI> | null = null;
  private closed = false;
  private currentState: ClientState = 'idle';

  constructor(private readonly config: RouterConfig) {
    super();
    this.id = config.id;
  }

  get state(): ClientState {
    return this.currentState;
  }

  /** The port node-routeros itself would use when the config names none (it sends TLS to 8728). */
  static implicitPort(tls: boolean): number {
    return new RouterOSAPI({ host: '127.0.0.1', tls: tls ? {} : undefined }).port;
  }

  private get timeoutMs(): number {
    return this.config.timeoutMs ?? 10_000;
  }

  private deadline<T>(name: string, timeoutMs: number, work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new RouterTimeoutError(name, timeoutMs, { routerId: this.id })),
        timeoutMs,
      );
      work.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(this.mapError(e, name));
        },
      );
    });
  }

  private mapError(error: unknown, name: string): RouterError {
    const e = error as { errno?: string | number; message?: string } | string;
    const message = typeof e === 'string' ? e : (e?.message ?? String(error));
    const errno = typeof e === 'string' ? e : e?.errno;
    // Socket errors arrive as RosException with the numeric errno (-104, -111) and an empty message.
    if (typeof errno === 'number') {
      return new RouterConnectionError(`${name}: socket error ${errno}`, { cause: error, routerId: this.id });
    }
    if (errno === 'CANTLOGIN' || /invalid user name or password/.test(message)) {
      return new RouterAuthError(`login refused: ${message}`, { routerId: this.id });
    }
    if (errno === 'SOCKTMOUT') return new RouterTimeoutError(name, this.timeoutMs, { routerId: this.id });
    if (typeof errno === 'string' && /^E[A-Z]+$/.test(errno)) {
      return new RouterConnectionError(`${name}: ${message}`, { cause: error, routerId: this.id });
    }
    if (/fatal/i.test(message)) return new RouterFatalError(message, { routerId: this.id });
    // node-routeros turns a !trap into a plain Error with the trap's message.
    return new RouterTrapError(message, undefined, name, { routerId: this.id });
  }

  private acquire(timeoutMs: number): Promise<RouterOSAPI> {
    if (this.closed) return Promise.reject(new RouterClosedError('client closed', { routerId: this.id }));
    if (this.api?.connected) return Promise.resolve(this.api);
    if (this.connecting) return this.connecting;
    const api = new RouterOSAPI({
      host: this.config.host,
      port: this.config.port,
      user: this.config.username,
      password: this.config.password,
      timeout: Math.max(1, Math.ceil(this.timeoutMs / 1000)),
      tls: this.config.tls ? { rejectUnauthorized: false } : undefined,
    });
    // Without a listener, node-routeros' 'error' events would crash the process.
    api.on('error', (error: unknown) => {
      this.emit('disconnected', this.mapError(error, 'connection'));
    });
    api.on('close', () => {
      if (this.api === api) this.api = null;
      this.currentState = this.closed ? 'closed' : 'idle';
    });
    this.currentState = 'connecting';
    const attempt = this.deadline('connect and /login', timeoutMs, api.connect()).then(
      () => {
        this.connecting = null;
        this.api = api;
        this.currentState = 'ready';
        this.emit('connected');
        return api;
      },
      (error: RouterError) => {
        this.connecting = null;
        this.currentState = 'idle';
        api.close().catch(() => {});
        throw error;
      },
    );
    this.connecting = attempt;
    attempt.catch(() => {});
    return attempt;
  }

  async connect(options: CommandOptions = {}): Promise<void> {
    await this.acquire(options.timeoutMs ?? this.timeoutMs);
  }

  async command(words: readonly string[], options: CommandOptions = {}): Promise<RouterReply> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const started = Date.now();
    const api = await this.acquire(timeoutMs);
    const left = Math.max(1, timeoutMs - (Date.now() - started));
    const [first, ...rest] = words;
    const rows = (await this.deadline(first ?? '', left, api.write(first ?? '', rest))) as RouterRow[];
    // node-routeros hides `!done` attributes in the data array (add's `ret`).
    const done: RouterRow = {};
    const data = rows.filter((row) => {
      if (Object.keys(row).length === 1 && 'ret' in row) {
        done.ret = row.ret as string;
        return false;
      }
      return true;
    });
    return { rows: data, done, empty: false };
  }

  async print(path: string, options: PrintOptions = {}): Promise<RouterRow[]> {
    return (await this.command(printWords(path, options), options)).rows;
  }

  async add(
    path: string,
    attributes: Record<string, AttributeValue>,
    options?: CommandOptions,
  ): Promise<string> {
    const reply = await this.command([`${path}/add`, ...attributeWords(attributes)], options);
    return reply.done.ret ?? '';
  }

  async set(
    path: string,
    id: string,
    attributes: Record<string, AttributeValue>,
    options?: CommandOptions,
  ): Promise<void> {
    await this.command([`${path}/set`, `=.id=${id}`, ...attributeWords(attributes)], options);
  }

  async remove(path: string, ids: string | readonly string[], options?: CommandOptions): Promise<void> {
    await this.command([`${path}/remove`, `=.id=${typeof ids === 'string' ? ids : ids.join(',')}`], options);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.currentState = 'closed';
    const api = this.api;
    this.api = null;
    if (api) await api.close().catch(() => {});
  }
}
