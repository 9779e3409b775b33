/**
 * A bare API session for tests and tools: send sentences, read sentences, nothing interpreted. Lets
 * tests assert the exact words the simulator puts on the wire (order of `!empty`/`!done`, tags, traps).
 */
import net from 'node:net';
import tls from 'node:tls';
import { encodeSentence, SentenceDecoder } from '@/lib/routeros/codec';

export class RawSession {
  private readonly decoder = new SentenceDecoder('utf8');
  private readonly inbox: string[][] = [];
  private waiter: (() => void) | null = null;
  closed = false;
  /** Number of 'data' events seen: shows how the reply was chunked. */
  chunks = 0;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks += 1;
      const { sentences, error } = this.decoder.push(chunk);
      this.inbox.push(...sentences);
      if (error) this.inbox.push(['<protocol-error>', error.reason]);
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => {});
  }

  static open(port: number, options: { tls?: boolean; host?: string } = {}): Promise<RawSession> {
    const host = options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const socket = options.tls
        ? tls.connect({ host, port, rejectUnauthorized: false }, () => resolve(new RawSession(socket)))
        : net.connect({ host, port }, () => resolve(new RawSession(socket)));
      socket.once('error', reject);
    });
  }

  send(words: string[]): void {
    this.socket.write(encodeSentence(words));
  }

  /** Waits for the next sentence; null when the connection closed or `timeoutMs` passed first. */
  async read(timeoutMs = 2000): Promise<string[] | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      if (this.closed || Date.now() >= deadline) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
    return this.inbox.shift() ?? null;
  }

  /** Reads sentences until a `!done` (or `!fatal`) for `tag` arrives; returns all read. */
  async until(tag?: string, timeoutMs = 3000): Promise<string[][]> {
    const out: string[][] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const sentence = await this.read(Math.max(1, deadline - Date.now()));
      if (!sentence) return out;
      out.push(sentence);
      const first = sentence[0];
      const sameTag = tag === undefined || sentence.includes(`.tag=${tag}`);
      if ((first === '!done' && sameTag) || first === '!fatal') return out;
    }
  }

  async call(words: string[], tag?: string): Promise<string[][]> {
    this.send(tag === undefined ? words : [...words, `.tag=${tag}`]);
    return this.until(tag);
  }

  async login(name = 'admin', password = ''): Promise<string[][]> {
    return this.call(['/login', `=name=${name}`, `=password=${password}`]);
  }

  close(): void {
    this.socket.destroy();
  }
}
