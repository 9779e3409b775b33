/**
 * One TCP/TLS connection to a router: open, log in, multiplex tagged commands, fail every pending
 * command with a typed error when the connection ends. Reconnecting and deadlines live in client.ts.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { encodeSentence, parseReply, SentenceDecoder } from './codec';
import {
  RouterAuthError,
  RouterConnectionError,
  type RouterError,
  RouterFatalError,
  RouterTimeoutError,
  RouterTlsError,
  RouterTrapError,
} from './errors';
import { defaultPort, type RouterConfig, type RouterReply, type RouterRow } from './types';

interface Pending {
  command: string;
  rows: RouterRow[];
  empty: boolean;
  trap: { message: string; category: number | undefined } | null;
  resolve: (reply: RouterReply) => void;
  reject: (error: RouterError) => void;
}

export interface Execution {
  promise: Promise<RouterReply>;
  /** Forget the command and ask the router to stop it (`/cancel`); later replies are dropped. */
  cancel(): void;
  /**
   * Nothing at all has arrived on the connection since this command was sent: with a command
   * past its deadline, the sign of a connection that died without a reset (a NAT or firewall
   * between us and the router lost its state).
   */
  unanswered(): boolean;
  /** Ends the whole connection (every command on it fails; the client reconnects). */
  endConnection(error: RouterError): void;
}

export function normaliseFingerprint(fingerprint: string): string {
  return fingerprint.replace(/[\s:]/g, '').toUpperCase();
}

/** `00` + md5(0x00 + password + challenge): the pre-6.43 login response. */
export function challengeResponse(password: string, challengeHex: string): string {
  const md5 = createHash('md5')
    .update(
      Buffer.concat([Buffer.from([0]), Buffer.from(password, 'utf8'), Buffer.from(challengeHex, 'hex')]),
    )
    .digest('hex');
  return `00${md5}`;
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export class Connection {
  private readonly decoder = new SentenceDecoder('utf8');
  private readonly pending = new Map<string, Pending>();
  private nextTag = 1;
  private endError: RouterError | null = null;
  /** The last time anything was sent or received (the keep-alive's idle clock uses `lastReceived`). */
  lastActivity = Date.now();
  /** The last time the router sent anything. */
  lastReceived = Date.now();
  onEnd: ((error: RouterError) => void) | null = null;

  private constructor(
    private readonly socket: net.Socket,
    private readonly routerId: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) =>
      this.end(new RouterConnectionError(`connection error: ${error.message}`, { cause: error, routerId })),
    );
    socket.on('close', () =>
      this.end(new RouterConnectionError('connection closed by the router', { routerId })),
    );
  }

  get closed(): boolean {
    return this.endError !== null;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Opens the socket (TLS with optional fingerprint pinning) and logs in, all within `timeoutMs`. */
  static open(config: RouterConfig, timeoutMs: number): Promise<Connection> {
    return new Promise<Connection>((resolve, reject) => {
      const routerId = config.id;
      const port = defaultPort(config);
      let settled = false;
      let connection: Connection | null = null;
      const fail = (error: RouterError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        connection?.end(error);
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new RouterTimeoutError('connect and /login', timeoutMs, { routerId })),
        timeoutMs,
      );

      let socket: net.Socket;
      const pin = config.fingerprint ? normaliseFingerprint(config.fingerprint) : null;
      const onReady = () => {
        if (settled) return;
        if (socket instanceof tls.TLSSocket && pin) {
          const actual = normaliseFingerprint(socket.getPeerCertificate().fingerprint256 ?? '');
          if (actual !== pin) {
            fail(
              new RouterTlsError(`certificate fingerprint ${actual} does not match the pinned one`, {
                routerId,
              }),
            );
            return;
          }
        }
        connection = new Connection(socket, routerId);
        socket.removeListener('error', onEarlyError);
        connection
          .login(config.username, config.password)
          .then(() => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(connection as Connection);
          })
          .catch((error: RouterError) => fail(error));
      };
      const onEarlyError = (error: Error & { code?: string }) => {
        // A connection reset or refused during the handshake is the network's doing, though
        // Node's message for it mentions TLS ("…before secure TLS connection was established").
        const networkProblem = NETWORK_ERROR_CODES.has(error.code ?? '');
        const tlsProblem =
          config.tls &&
          !networkProblem &&
          (error.code?.startsWith('ERR_TLS') ||
            error.code?.startsWith('ERR_SSL') ||
            /certificate|SSL|TLS/i.test(error.message));
        fail(
          tlsProblem
            ? new RouterTlsError(`TLS failed: ${error.message}`, { cause: error, routerId })
            : new RouterConnectionError(`cannot connect to ${config.host}:${port}: ${error.message}`, {
                cause: error,
                routerId,
              }),
        );
      };
      try {
        if (config.tls) {
          const options: tls.ConnectionOptions = {
            host: config.host,
            port,
            // Pinning replaces chain verification (RouterOS certificates are usually self-signed).
            rejectUnauthorized: pin === null,
          };
          if (config.ca) options.ca = config.ca;
          if (!net.isIP(config.host)) options.servername = config.host;
          if (pin !== null) options.checkServerIdentity = () => undefined;
          socket = tls.connect(options);
          socket.once('secureConnect', onReady);
        } else {
          socket = net.connect({ host: config.host, port });
          socket.once('connect', onReady);
        }
      } catch (error) {
        socket = new net.Socket();
        onEarlyError(error as Error);
        return;
      }
      socket.setNoDelay(true);
      socket.on('error', onEarlyError);
      socket.once('close', () =>
        fail(
          new RouterConnectionError(`connection to ${config.host}:${port} closed during login`, { routerId }),
        ),
      );
    });
  }

  private async login(username: string, password: string): Promise<void> {
    let reply: RouterReply;
    try {
      reply = await this.exec(['/login', `=name=${username}`, `=password=${password}`]).promise;
    } catch (error) {
      throw this.loginError(error as RouterError);
    }
    const challenge = reply.done.ret;
    // Routers before 6.43 ignore the password and answer with an MD5 challenge instead.
    if (challenge !== undefined && /^[0-9a-f]{32}$/i.test(challenge)) {
      try {
        await this.exec([
          '/login',
          `=name=${username}`,
          `=response=${challengeResponse(password, challenge)}`,
        ]).promise;
      } catch (error) {
        throw this.loginError(error as RouterError);
      }
    }
  }

  private loginError(error: RouterError): RouterError {
    if (error instanceof RouterTrapError) {
      return new RouterAuthError(`login refused: ${error.trapMessage}`, { routerId: this.routerId });
    }
    return error;
  }

  /** Sends a tagged command. The promise settles on `!done`, on connection end, or never if cancelled. */
  exec(words: readonly string[]): Execution {
    const tag = String(this.nextTag++);
    const command = words[0] ?? '';
    let cancelled = false;
    const sentAt = Date.now();
    const promise = new Promise<RouterReply>((resolve, reject) => {
      if (this.endError) {
        reject(this.endError);
        return;
      }
      this.pending.set(tag, { command, rows: [], empty: false, trap: null, resolve, reject });
      this.write([...words, `.tag=${tag}`]);
    });
    return {
      promise,
      cancel: () => {
        if (cancelled || !this.pending.delete(tag) || this.endError) return;
        cancelled = true;
        // Stop the work on the router; its answer (and the interrupted trap) is ignored.
        this.write(['/cancel', `=tag=${tag}`, `.tag=c${tag}`]);
      },
      unanswered: () => this.lastReceived <= sentAt,
      endConnection: (error) => this.end(error),
    };
  }

  private write(words: readonly string[]): void {
    this.lastActivity = Date.now();
    try {
      this.socket.write(encodeSentence(words));
    } catch (error) {
      this.end(
        new RouterConnectionError(`cannot send: ${(error as Error).message}`, {
          cause: error,
          routerId: this.routerId,
        }),
      );
    }
  }

  private onData(chunk: Buffer): void {
    this.lastActivity = Date.now();
    this.lastReceived = this.lastActivity;
    const { sentences, error } = this.decoder.push(chunk);
    for (const words of sentences) {
      if (this.endError) return;
      this.onSentence(words);
    }
    if (error) {
      error.routerId = this.routerId;
      this.end(error);
    }
  }

  private onSentence(words: string[]): void {
    const reply = parseReply(words);
    if (reply instanceof Error) {
      reply.routerId = this.routerId;
      this.end(reply);
      return;
    }
    if (reply.type === '!fatal') {
      this.end(new RouterFatalError(reply.fatalMessage ?? '', { routerId: this.routerId }));
      return;
    }
    // Untagged replies and replies to cancelled commands have no one waiting.
    const pending = reply.tag === undefined ? undefined : this.pending.get(reply.tag);
    if (!pending) return;
    switch (reply.type) {
      case '!re':
        pending.rows.push(reply.attributes);
        break;
      case '!empty':
        pending.empty = true;
        break;
      case '!trap':
        // Several traps may precede one !done; the first one explains the failure.
        pending.trap ??= {
          message: reply.attributes.message ?? '',
          category: reply.attributes.category === undefined ? undefined : Number(reply.attributes.category),
        };
        break;
      case '!done':
        this.pending.delete(reply.tag as string);
        if (pending.trap) {
          pending.reject(
            new RouterTrapError(pending.trap.message, pending.trap.category, pending.command, {
              routerId: this.routerId,
            }),
          );
        } else pending.resolve({ rows: pending.rows, done: reply.attributes, empty: pending.empty });
        break;
    }
  }

  /** Ends the connection: every pending command fails with `error`. Idempotent. */
  end(error: RouterError): void {
    if (this.endError) return;
    this.endError = error;
    this.socket.destroy();
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.onEnd?.(error);
  }
}
