/**
 * The simulator's API listeners (plain and TLS) and the per-connection session: login, tags,
 * `/cancel`, streaming of large replies, and the faults of sim/faults.ts.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { encodeSentence, type ParsedCommand, parseCommand, SentenceDecoder } from '@/lib/routeros/codec';
import type { AddressFamily } from './address';
import type { Clock } from './clock';
import { type FaultConfig, FaultController } from './faults';
import { type EngineOptions, FirewallEngine } from './firewall/engine';
import { KnockListeners, type KnockListenOptions } from './firewall/listeners';
import { type CommandResult, RouterState, type UserConfig } from './router';
import type { AddressListTable, Resolver, RuleTable, RuleTableName } from './tables';
import { certificateFromPem, defaultCertificate, type SimCertificate } from './tls';

/** RouterOS passes bytes through untouched; latin1 maps every byte to one character and back. */
const WIRE_ENCODING: BufferEncoding = 'latin1';
/** Rows encoded per turn of the event loop while streaming a print, so other connections are served. */
const ROWS_PER_BATCH = 500;

export interface SimulatorOptions {
  /** Listen address; 127.0.0.1 by default. Only loopback addresses are accepted. */
  host?: string;
  /** API port; 0 (the default) picks a free port. The CLI defaults to 8728. */
  apiPort?: number;
  /** API-SSL port; 0 picks a free port, null disables TLS. The CLI defaults to 8729. */
  apiSslPort?: number | null;
  /** PEM certificate and key for API-SSL; a self-signed pair is generated otherwise. */
  tls?: { cert: string; key: string };
  /** RouterOS version to behave like: '6.49', '7.15', '7.18' (default) or any x.y. */
  version?: string;
  /** Answer the pre-6.43 MD5 challenge; defaults to true for 6.x, false for 7.x. */
  legacyLogin?: boolean;
  /** Users; default `admin` with an empty password and full rights. */
  users?: UserConfig[];
  identity?: string;
  /** Router clock for timeouts, creation-time and uptime (inject a ManualClock in tests). */
  clock?: Clock;
  /** DNS resolver for name entries in address lists; the default knows no names and sends nothing. */
  resolver?: Resolver;
  /** Address-list entries present at start (static unless they have a timeout). */
  addressLists?: {
    list: string;
    address: string;
    timeout?: string;
    comment?: string;
    family?: AddressFamily;
  }[];
  faults?: Partial<FaultConfig>;
  /** The packet engine's view of the router: its own addresses and interface lists. */
  firewall?: EngineOptions;
  /**
   * Opt-in: listen on loopback for real knocks (TCP/UDP on the ports the rules mention, the
   * protected services and the extra ports given) and run them through the firewall engine.
   */
  knock?: KnockListenOptions | boolean;
}

export interface Simulator {
  host: string;
  apiPort: number;
  /** null when TLS is disabled. */
  apiSslPort: number | null;
  certificate: SimCertificate | null;
  state: RouterState;
  clock: Clock;
  faults: FaultController;
  addressList(family?: AddressFamily): AddressListTable;
  rules(table: RuleTableName): RuleTable;
  /** The packet engine over the configured rules (synthetic packets: `sim.firewall.process(…)`). */
  firewall: FirewallEngine;
  /** The loopback knock listeners, when started with `knock`; they follow the rules by themselves. */
  knock: KnockListeners | null;
  /** Open API connections (plain and TLS). */
  connectionCount(): number;
  /** Commands received since start, per path (for assertions such as "no twin add was sent"). */
  commandLog: string[];
  /** Reboot: close every connection, drop dynamic entries, restart uptime; refuse connections for `downMs`. */
  reboot(options?: { downMs?: number }): Promise<void>;
  /** Re-resolve DNS-name entries now and wait until their children are updated. */
  refreshDns(): Promise<void>;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** Commands that change the rules the knock listeners follow. */
const RULE_WRITE = /^\/ip\/firewall\/(filter|nat|raw)\/(add|set|unset|remove|enable|disable|move)$/;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Serialises writes to one socket so chunking faults and backpressure keep sentence order. */
class Outbox {
  private readonly queue: Buffer[] = [];
  private pumping: Promise<void> = Promise.resolve();
  private active = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly faults: FaultController,
  ) {}

  /** Queues bytes; the promise settles when the queue it joined has been written. */
  send(bytes: Buffer): Promise<void> {
    this.queue.push(bytes);
    // `active` (not the promise) says whether a pump is still looping: a pump that never awaits
    // finishes synchronously, and a send in the same tick must then start a new one, or its bytes
    // would sit in the queue until the next send.
    if (!this.active) {
      this.active = true;
      this.pumping = this.pump();
    }
    return this.pumping;
  }

  private async pump(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const bytes = this.queue.shift() as Buffer;
        const split = this.faults.get().split;
        const size = split ? Math.max(1, split.chunkBytes) : bytes.length;
        for (let at = 0; at < bytes.length; at += size) {
          if (this.socket.destroyed || !this.socket.writable) {
            this.queue.length = 0;
            return;
          }
          const ok = this.socket.write(bytes.subarray(at, at + size));
          if (split) await (split.pauseMs > 0 ? sleep(split.pauseMs) : new Promise((r) => setImmediate(r)));
          else if (!ok) await this.drained();
        }
      }
    } finally {
      this.active = false;
    }
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }
}

interface Running {
  cancelled: boolean;
  wake: (() => void) | null;
}

class Session {
  private readonly decoder = new SentenceDecoder(WIRE_ENCODING);
  private readonly outbox: Outbox;
  private user: ReturnType<RouterState['checkPassword']> = null;
  private challenge: string | null = null;
  private readonly running = new Map<string, Running>();
  private idleTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly sim: SimulatorImpl,
  ) {
    this.outbox = new Outbox(socket, sim.faults);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClose());
    this.armIdle();
  }

  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const idle = this.sim.faults.get().idleCloseMs;
    this.idleTimer = idle ? setTimeout(() => this.socket.destroy(), idle) : null;
    this.idleTimer?.unref();
  }

  private onClose(): void {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    for (const run of this.running.values()) {
      run.cancelled = true;
      run.wake?.();
    }
    this.sim.sessions.delete(this);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.armIdle();
    const { sentences, error } = this.decoder.push(chunk);
    for (const words of sentences) this.onSentence(words);
    // Bytes that are not API sentences: the stream cannot be trusted any more.
    if (error) this.socket.destroy();
  }

  private write(words: string[], tag: string | undefined): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.outbox.send(
      encodeSentence(tag === undefined ? words : [...words, `.tag=${tag}`], WIRE_ENCODING),
    );
  }

  private fatal(message: string): void {
    void this.outbox.send(encodeSentence(['!fatal', message], WIRE_ENCODING)).then(() => this.socket.end());
  }

  private onSentence(words: string[]): void {
    if (words.length === 0) return;
    const command = parseCommand(words);
    if (command instanceof Error) {
      // Not a command (e.g. node-routeros' `#` keepalive): still a trap tagged like any reply.
      const tag = words.find((w) => w.startsWith('.tag='))?.slice(5);
      void this.trapDone('no such command', 0, tag);
      return;
    }
    this.sim.commandLog.push(command.command);
    if (command.command === '/login') {
      void this.login(command.attributes, command.tag);
      return;
    }
    if (command.command === '/cancel') {
      void this.cancel(command.attributes.get('tag'), command.tag);
      return;
    }
    if (!this.user) {
      void this.trapDone('not logged in', undefined, command.tag);
      return;
    }
    void this.run(command);
  }

  private async trapDone(
    message: string,
    category: number | undefined,
    tag: string | undefined,
  ): Promise<void> {
    const words = [
      '!trap',
      ...(category === undefined ? [] : [`=category=${category}`]),
      `=message=${message}`,
    ];
    await this.write(words, tag);
    await this.write(['!done'], tag);
  }

  private async login(attrs: Map<string, string>, tag: string | undefined): Promise<void> {
    const faults = this.sim.faults.get();
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (faults.fatalOnLogin !== null) {
      this.fatal(faults.fatalOnLogin);
      return;
    }
    const state = this.sim.state;
    const name = attrs.get('name');
    const password = attrs.get('password');
    const response = attrs.get('response');
    if (name !== undefined && password !== undefined && state.version.plainLogin) {
      this.user = state.checkPassword(name, password);
    } else if (name !== undefined && response !== undefined && this.challenge) {
      this.user = state.checkChallenge(name, response, this.challenge);
      this.challenge = null;
    } else if (
      response === undefined &&
      state.version.legacyLogin &&
      (name === undefined || !state.version.plainLogin)
    ) {
      // Pre-6.43 handshake, step one: hand out a challenge (those routers ignore =password=).
      this.challenge = randomBytes(16).toString('hex');
      await this.write(['!done', `=ret=${this.challenge}`], tag);
      return;
    } else this.user = null;
    if (this.user) await this.write(['!done'], tag);
    else await this.trapDone('invalid user name or password (6)', undefined, tag);
  }

  private async cancel(target: string | undefined, tag: string | undefined): Promise<void> {
    const targets = target === undefined ? [...this.running.values()] : [this.running.get(target)];
    if (target !== undefined && targets[0] === undefined) {
      await this.trapDone('no such command or tag', 0, tag);
      return;
    }
    for (const run of targets) {
      if (!run) continue;
      run.cancelled = true;
      run.wake?.();
    }
    await this.write(['!done'], tag);
  }

  private async run(command: ParsedCommand): Promise<void> {
    const { tag } = command;
    const key = tag ?? `untagged-${Math.random()}`;
    const run: Running = { cancelled: false, wake: null };
    this.running.set(key, run);
    try {
      await this.runCommand(command, run);
    } finally {
      this.running.delete(key);
    }
  }

  private async interrupted(tag: string | undefined): Promise<void> {
    // RouterOS answers a cancelled command with category 2, "execution of command interrupted".
    await this.trapDone('interrupted', 2, tag);
  }

  private wait(run: Running, ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === null ? null : setTimeout(resolve, ms);
      run.wake = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
  }

  private async runCommand(command: ParsedCommand, run: Running): Promise<void> {
    const { tag } = command;
    const faults = this.sim.faults;
    const path = command.command;
    if (faults.get().stall !== null && path.endsWith(faults.get().stall as string)) {
      await this.wait(run, null);
      if (!this.closed) await this.interrupted(tag);
      return;
    }
    const latency = faults.get().latencyMs;
    if (latency > 0) await this.wait(run, latency);
    if (this.closed) return;
    if (run.cancelled) return this.interrupted(tag);
    if (faults.takeDrop(path, 'before-apply')) return this.destroy();
    if (faults.get().garbage !== null && path.endsWith(faults.get().garbage as string)) {
      // `!done` cut short and followed by a reserved length byte (0xF8): not a sentence.
      await this.outbox.send(Buffer.from([0x05, 0x21, 0x64, 0x6f, 0x6e, 0x65, 0xf8, 0xff, 0x00]));
      return;
    }
    const result = this.sim.state.execute(command, this.user as NonNullable<typeof this.user>);
    // The knock listeners follow the rules before the client hears `!done`, so whoever applied
    // rules can knock at once.
    if (result.trap === null && RULE_WRITE.test(path)) await this.sim.knock?.sync();
    if (faults.takeDrop(path, 'after-apply')) return this.destroy();
    // `/quit` gets only `!fatal session terminated on request` (API manual), no `!done`.
    if (result.fatal !== undefined) {
      this.fatal(result.fatal);
      return;
    }
    await this.reply(result, tag, run);
    if (result.reboot) void this.sim.reboot();
  }

  private async reply(result: CommandResult, tag: string | undefined, run: Running): Promise<void> {
    if (result.trap) return this.trapDone(result.trap.message, result.trap.category, tag);
    const rows = result.rows[Symbol.iterator]();
    let next = rows.next();
    // 7.18+: a reply with no data begins with !empty (then !done).
    if (next.done && result.empty) await this.write(['!empty'], tag);
    while (!next.done) {
      if (this.closed) return;
      if (run.cancelled) return this.interrupted(tag);
      const parts: Buffer[] = [];
      for (let n = 0; n < ROWS_PER_BATCH && !next.done; n += 1) {
        const words = ['!re'];
        for (const [k, v] of next.value) words.push(`=${k}=${v}`);
        if (tag !== undefined) words.push(`.tag=${tag}`);
        parts.push(encodeSentence(words, WIRE_ENCODING));
        next = rows.next();
      }
      await this.outbox.send(Buffer.concat(parts));
      // Yield between batches: a 100,000-row print must not starve other connections.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const done = ['!done'];
    for (const [k, v] of result.done ?? []) done.push(`=${k}=${v}`);
    await this.write(done, tag);
  }
}

class SimulatorImpl implements Simulator {
  host: string;
  apiPort = 0;
  apiSslPort: number | null = null;
  certificate: SimCertificate | null = null;
  readonly state: RouterState;
  readonly clock: Clock;
  readonly faults = new FaultController();
  readonly sessions = new Set<Session>();
  readonly commandLog: string[] = [];
  readonly firewall: FirewallEngine;
  knock: KnockListeners | null = null;
  private readonly servers: net.Server[] = [];
  private readonly rawSockets = new Set<net.Socket>();
  private downUntil = 0;

  constructor(readonly options: SimulatorOptions) {
    this.host = options.host ?? '127.0.0.1';
    if (!LOOPBACK.has(this.host)) throw new Error(`the simulator listens on loopback only, not ${this.host}`);
    this.state = new RouterState(options);
    this.clock = this.state.clock;
    this.faults.set(options.faults ?? {});
    this.firewall = new FirewallEngine(this.state, {
      routerAddresses: ['127.0.0.1'],
      ...options.firewall,
    });
    for (const entry of options.addressLists ?? []) {
      const attrs = new Map([
        ['list', entry.list],
        ['address', entry.address],
      ]);
      if (entry.timeout) attrs.set('timeout', entry.timeout);
      if (entry.comment) attrs.set('comment', entry.comment);
      this.state.addressList(entry.family ?? 'ip').add(attrs, this.state.ctx);
    }
  }

  addressList(family: AddressFamily = 'ip'): AddressListTable {
    return this.state.addressList(family);
  }

  rules(table: RuleTableName): RuleTable {
    return this.state.rules(table);
  }

  connectionCount(): number {
    return this.sessions.size;
  }

  private accept(raw: net.Socket): boolean {
    this.rawSockets.add(raw);
    raw.once('close', () => this.rawSockets.delete(raw));
    raw.on('error', () => raw.destroy());
    if (this.faults.get().refuseConnections || Date.now() < this.downUntil) {
      raw.resetAndDestroy();
      return false;
    }
    return true;
  }

  async listen(): Promise<void> {
    if (this.options.knock) {
      const knock = this.options.knock === true ? {} : this.options.knock;
      this.knock = new KnockListeners(this.state, this.firewall, knock);
      await this.knock.sync();
    }
    const plain = net.createServer((socket) => {
      if (this.accept(socket)) this.sessions.add(new Session(socket, this));
    });
    this.servers.push(plain);
    this.apiPort = await listenOn(plain, this.host, this.options.apiPort ?? 0);

    if (this.options.apiSslPort !== null) {
      this.certificate = this.options.tls
        ? certificateFromPem(this.options.tls.cert, this.options.tls.key)
        : await defaultCertificate();
      const secure = tls.createServer({ cert: this.certificate.cert, key: this.certificate.key });
      secure.on('connection', (raw: net.Socket) => {
        this.accept(raw);
      });
      secure.on('secureConnection', (socket: tls.TLSSocket) => {
        if (socket.destroyed) return;
        this.sessions.add(new Session(socket, this));
      });
      secure.on('tlsClientError', () => {});
      this.servers.push(secure);
      this.apiSslPort = await listenOn(secure, this.host, this.options.apiSslPort ?? 0);
    }
  }

  async reboot(options: { downMs?: number } = {}): Promise<void> {
    const downMs = options.downMs ?? 0;
    this.downUntil = Date.now() + downMs;
    for (const session of this.sessions) session.destroy();
    for (const raw of this.rawSockets) raw.destroy();
    this.state.reboot();
    // Connection tracking and psd memory do not survive a reboot either.
    this.firewall.reset({ lists: [] });
    if (downMs > 0) await sleep(downMs);
  }

  async refreshDns(): Promise<void> {
    await this.state.refreshDns();
    await this.state.dnsSettled();
  }

  async close(): Promise<void> {
    await this.knock?.close();
    for (const session of this.sessions) session.destroy();
    for (const raw of this.rawSockets) raw.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function listenOn(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Starts a simulated RouterOS with its API (and API-SSL) listening on loopback. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = new SimulatorImpl(options);
  await sim.listen();
  return sim;
}
