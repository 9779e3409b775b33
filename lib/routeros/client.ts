/**
 * Knockgate's RouterOS API client: one persistent, logged-in connection per router, tagged
 * commands multiplexed on it, a deadline on every call, reconnect with backoff, a circuit breaker.
 * Every call settles — with a reply or a typed RouterError — by its deadline.
 */
import { EventEmitter } from 'node:events';
import { CircuitBreaker } from './circuit-breaker';
import { Connection, type Execution } from './connection';
import {
  RouterCancelledError,
  RouterCircuitOpenError,
  RouterClosedError,
  RouterConnectionError,
  RouterError,
  RouterProtocolError,
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

const DEFAULT_TIMEOUT_MS = 10_000;

export class RouterOSClient extends EventEmitter<RouterClientEvents> implements RouterClient {
  readonly id: string;
  private connection: Connection | null = null;
  private connecting: Promise<Connection> | null = null;
  private closedByOwner = false;
  private backoffTimer: NodeJS.Timeout | null = null;
  private backoffDelay: number;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private stableTimer: NodeJS.Timeout | null = null;
  private currentState: ClientState = 'idle';
  private readonly breaker: CircuitBreaker;

  constructor(private readonly config: RouterConfig) {
    super();
    this.id = config.id;
    this.backoffDelay = config.reconnect?.initialDelayMs ?? 250;
    this.breaker = new CircuitBreaker(
      config.breaker?.failureThreshold ?? 5,
      config.breaker?.resetTimeoutMs ?? 15_000,
    );
  }

  get state(): ClientState {
    return this.currentState;
  }

  get breakerState(): CircuitBreaker['state'] {
    return this.breaker.state;
  }

  private setState(state: ClientState): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.emit('state', state);
  }

  private get timeoutMs(): number {
    return this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async connect(options: CommandOptions = {}): Promise<void> {
    await this.withDeadline('connect', options, async () => {
      await this.acquire();
      return undefined;
    });
  }

  command(words: readonly string[], options: CommandOptions = {}): Promise<RouterReply> {
    const name = words[0] ?? '';
    return this.withDeadline(name, options, async (register, expired) => {
      const connection = await this.acquire();
      // The caller was already told it timed out (the connection took that long): never send it
      // now, or an `add` reported as failed would still take effect.
      if (expired())
        throw new RouterCancelledError(`${name}: not sent, past its deadline`, { routerId: this.id });
      const execution = connection.exec(words);
      register(execution);
      return execution.promise;
    });
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
    const id = reply.done.ret;
    if (id === undefined)
      throw new RouterProtocolError('unexpected_reply', `${path}/add: !done without =ret=`, {
        routerId: this.id,
      });
    return id;
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
    const list = typeof ids === 'string' ? ids : ids.join(',');
    await this.command([`${path}/remove`, `=.id=${list}`], options);
  }

  async close(): Promise<void> {
    this.closedByOwner = true;
    this.clearTimers();
    const connection = this.connection;
    this.connection = null;
    connection?.end(new RouterClosedError('client closed', { routerId: this.id }));
    this.setState('closed');
  }

  /**
   * Runs `work` under one deadline. `register` hands over the in-flight command so a deadline or an
   * abort can cancel it on the router. Failures that say the router is unhealthy feed the breaker.
   */
  private withDeadline<T>(
    name: string,
    options: CommandOptions,
    work: (register: (execution: Execution) => void, expired: () => boolean) => Promise<T>,
  ): Promise<T> {
    if (this.closedByOwner)
      return Promise.reject(new RouterClosedError('client closed', { routerId: this.id }));
    if (!this.breaker.tryPass()) {
      return Promise.reject(new RouterCircuitOpenError(this.breaker.retryAt, { routerId: this.id }));
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const started = performance.now();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let execution: Execution | null = null;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      // Observers (metrics) hear about every command; they must never break it.
      const observe = (error: RouterError | null) => {
        try {
          this.emit('command', {
            command: name,
            ms: performance.now() - started,
            error: error?.code ?? null,
          });
        } catch {}
      };
      const onAbort = () =>
        finish(() => {
          execution?.cancel();
          this.breaker.release();
          reject(new RouterCancelledError(`${name}: cancelled`, { routerId: this.id }));
        });
      const timer = setTimeout(
        () =>
          finish(() => {
            // Nothing arrived from the router since this was sent: the connection is dead without
            // a reset (keep-alives would not notice while commands keep it busy). Drop it.
            const dead = execution?.unanswered() ?? false;
            execution?.cancel();
            this.breaker.failure();
            const error = new RouterTimeoutError(name, timeoutMs, { routerId: this.id });
            if (dead) execution?.endConnection(error);
            observe(error);
            reject(error);
          }),
        timeoutMs,
      );
      if (options.signal?.aborted) {
        onAbort();
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      work(
        (e) => {
          execution = e;
          if (settled) e.cancel();
        },
        () => settled,
      ).then(
        (value) =>
          finish(() => {
            this.breaker.success();
            observe(null);
            resolve(value);
          }),
        (error: unknown) =>
          finish(() => {
            const routerError =
              error instanceof RouterError
                ? error
                : new RouterConnectionError(`${name}: ${String(error)}`, { cause: error, routerId: this.id });
            // A trap is an answer: the router is healthy even though it said no.
            if (routerError instanceof RouterTrapError) this.breaker.success();
            else if (routerError instanceof RouterClosedError) this.breaker.release();
            else this.breaker.failure();
            observe(routerError);
            reject(routerError);
          }),
      );
    });
  }

  /** The live connection, or a single shared attempt to open one. */
  private acquire(): Promise<Connection> {
    if (this.closedByOwner)
      return Promise.reject(new RouterClosedError('client closed', { routerId: this.id }));
    if (this.connection && !this.connection.closed) return Promise.resolve(this.connection);
    if (this.connecting) return this.connecting;
    if (this.backoffTimer) {
      // A caller is waiting: try now instead of at the end of the backoff.
      clearTimeout(this.backoffTimer);
      this.backoffTimer = null;
    }
    this.setState('connecting');
    const timeout = this.config.connectTimeoutMs ?? this.timeoutMs;
    const attempt = Connection.open(this.config, timeout).then(
      (connection) => {
        this.connecting = null;
        if (this.closedByOwner) {
          connection.end(new RouterClosedError('client closed', { routerId: this.id }));
          throw new RouterClosedError('client closed', { routerId: this.id });
        }
        this.connection = connection;
        connection.onEnd = (error) => this.onConnectionEnd(connection, error);
        // The backoff starts over only once the session has stayed up a while: a router that
        // accepts the login and then drops the session must not be hammered (nor the reconciler
        // woken up) every quarter of a second.
        if (this.stableTimer) clearTimeout(this.stableTimer);
        this.stableTimer = setTimeout(() => {
          this.stableTimer = null;
          if (this.connection === connection && !connection.closed) {
            this.backoffDelay = this.config.reconnect?.initialDelayMs ?? 250;
          }
        }, this.config.reconnect?.stableMs ?? 10_000);
        this.stableTimer.unref();
        // A logged-in session is the best proof the router is back.
        this.breaker.success();
        this.setState('ready');
        this.armKeepalive();
        this.emit('connected');
        return connection;
      },
      (error: RouterError) => {
        this.connecting = null;
        if (!this.closedByOwner) this.scheduleReconnect();
        throw error;
      },
    );
    this.connecting = attempt;
    // The attempt may end after every waiting caller gave up; its rejection is then nobody's.
    attempt.catch(() => {});
    return attempt;
  }

  private onConnectionEnd(connection: Connection, error: RouterError): void {
    if (this.connection !== connection) return;
    this.connection = null;
    if (this.keepaliveTimer) clearTimeout(this.keepaliveTimer);
    this.emit('disconnected', this.closedByOwner ? null : error);
    if (!this.closedByOwner) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closedByOwner || this.config.persistent === false || this.backoffTimer || this.connecting) {
      if (!this.closedByOwner && !this.connecting)
        this.setState(this.config.persistent === false ? 'idle' : 'backoff');
      return;
    }
    this.setState('backoff');
    const max = this.config.reconnect?.maxDelayMs ?? 30_000;
    const delay = Math.min(max, this.backoffDelay) * (0.8 + Math.random() * 0.4);
    this.backoffDelay = Math.min(max, this.backoffDelay * 2);
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = null;
      this.acquire().catch(() => {});
    }, delay);
    this.backoffTimer.unref();
  }

  private armKeepalive(): void {
    const every = this.config.keepaliveMs ?? 30_000;
    if (every <= 0) return;
    if (this.keepaliveTimer) clearTimeout(this.keepaliveTimer);
    this.keepaliveTimer = setTimeout(() => {
      const connection = this.connection;
      if (!connection || connection.closed) return;
      // Idle means nothing heard from the router: our own writes (a `/cancel`, a retried command
      // on a dead connection) must not keep the probe from being sent.
      const idle = Date.now() - connection.lastReceived;
      if (idle < every || connection.inFlight > 0) {
        this.armKeepalive();
        return;
      }
      // A cheap read proves the session is alive; a dead one fails and triggers a reconnect.
      this.command(['/system/identity/print'])
        .catch((error: RouterError) => {
          if (!(error instanceof RouterTrapError)) connection.end(error);
        })
        .finally(() => this.armKeepalive());
    }, every);
    this.keepaliveTimer.unref();
  }

  private clearTimers(): void {
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.stableTimer = null;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    if (this.keepaliveTimer) clearTimeout(this.keepaliveTimer);
    this.backoffTimer = null;
    this.keepaliveTimer = null;
  }
}

export function createRouterClient(config: RouterConfig): RouterClient {
  return new RouterOSClient(config);
}
