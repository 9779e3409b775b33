/**
 * RouterOS API wire codec: pure functions and an incremental decoder, no sockets.
 *
 * A sentence is a list of words ended by a zero-length word; each word is its byte length
 * (1–5 bytes, see encodeLength) followed by the bytes. The client and the simulator share this file.
 */
import { RouterProtocolError } from './errors';

/** Largest length the 4-byte form can carry; longer words use the 0xF0 + 4 bytes form. */
const MAX_FOUR_BYTE_LENGTH = 0x0fffffff;
/** The 0xF0 form stores a 32-bit length. */
export const MAX_WORD_LENGTH = 0xffffffff;

export function encodeLength(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > MAX_WORD_LENGTH) {
    throw new RouterProtocolError('bad_length', `cannot encode word length ${length}`);
  }
  if (length < 0x80) return Uint8Array.of(length);
  if (length < 0x4000) {
    const v = length | 0x8000;
    return Uint8Array.of((v >>> 8) & 0xff, v & 0xff);
  }
  if (length < 0x200000) {
    const v = length | 0xc00000;
    return Uint8Array.of((v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  }
  if (length <= MAX_FOUR_BYTE_LENGTH) {
    const v = (length | 0xe0000000) >>> 0;
    return Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  }
  return Uint8Array.of(
    0xf0,
    (length >>> 24) & 0xff,
    (length >>> 16) & 0xff,
    (length >>> 8) & 0xff,
    length & 0xff,
  );
}

/** How many bytes the length prefix has, from its first byte; 0 for a reserved control byte (0xF1–0xFF). */
export function lengthPrefixSize(firstByte: number): number {
  if (firstByte < 0x80) return 1;
  if (firstByte < 0xc0) return 2;
  if (firstByte < 0xe0) return 3;
  if (firstByte < 0xf0) return 4;
  if (firstByte === 0xf0) return 5;
  return 0;
}

/** Decodes a complete length prefix (its size must match lengthPrefixSize of the first byte). */
export function decodeLength(prefix: Uint8Array): number {
  const b0 = prefix[0];
  if (b0 === undefined) throw new RouterProtocolError('truncated', 'empty length prefix');
  const size = lengthPrefixSize(b0);
  if (size === 0) throw new RouterProtocolError('bad_length', `reserved length byte 0x${b0.toString(16)}`);
  if (prefix.length < size) throw new RouterProtocolError('truncated', 'length prefix cut short');
  const at = (i: number) => prefix[i] ?? 0;
  switch (size) {
    case 1:
      return b0;
    case 2:
      return ((b0 & 0x3f) << 8) | at(1);
    case 3:
      return ((b0 & 0x1f) << 16) | (at(1) << 8) | at(2);
    case 4:
      return ((b0 & 0x0f) * 0x1000000 + ((at(1) << 16) | (at(2) << 8) | at(3))) >>> 0;
    default:
      return at(1) * 0x1000000 + ((at(2) << 16) | (at(3) << 8) | at(4));
  }
}

export type WordInput = string | Uint8Array;

function wordBytes(word: WordInput, encoding: BufferEncoding): Uint8Array {
  return typeof word === 'string' ? Buffer.from(word, encoding) : word;
}

export function encodeWord(word: WordInput, encoding: BufferEncoding = 'utf8'): Buffer {
  const bytes = wordBytes(word, encoding);
  return Buffer.concat([encodeLength(bytes.length), bytes]);
}

/** Encodes a sentence: every word, then the zero-length terminator. An empty word inside is not allowed. */
export function encodeSentence(words: readonly WordInput[], encoding: BufferEncoding = 'utf8'): Buffer {
  const parts: Uint8Array[] = [];
  for (const word of words) {
    const bytes = wordBytes(word, encoding);
    if (bytes.length === 0) {
      // A zero-length word is the terminator; sending one mid-sentence would split the sentence.
      throw new RouterProtocolError('bad_length', 'a word inside a sentence cannot be empty');
    }
    parts.push(encodeLength(bytes.length), bytes);
  }
  parts.push(Uint8Array.of(0));
  return Buffer.concat(parts);
}

export interface DecoderLimits {
  /** Longest word accepted (bytes). RouterOS itself has no documented limit; ours guards memory. */
  maxWordBytes?: number;
  /** Most words in one sentence. */
  maxSentenceWords?: number;
}

export interface DecodeResult {
  sentences: string[][];
  /** Set once the stream is unusable; the decoder stays failed (the stream cannot be re-synchronised). */
  error: RouterProtocolError | null;
}

/**
 * Incremental decoder: feed it chunks of any size (one byte at a time or many sentences at once);
 * it returns each complete sentence as soon as its terminator arrives. It never throws: malformed
 * input is reported once as `error` and the decoder refuses further input.
 */
export class SentenceDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private words: string[] = [];
  private failed: RouterProtocolError | null = null;
  private readonly maxWordBytes: number;
  private readonly maxSentenceWords: number;

  constructor(
    private readonly encoding: BufferEncoding = 'utf8',
    limits: DecoderLimits = {},
  ) {
    this.maxWordBytes = limits.maxWordBytes ?? 16 * 1024 * 1024;
    this.maxSentenceWords = limits.maxSentenceWords ?? 100_000;
  }

  get error(): RouterProtocolError | null {
    return this.failed;
  }

  /** Bytes (or words) received that do not yet form a complete sentence. */
  get pending(): boolean {
    return this.buffer.length > 0 || this.words.length > 0;
  }

  push(chunk: Uint8Array): DecodeResult {
    const sentences: string[][] = [];
    if (this.failed) return { sentences, error: this.failed };
    if (chunk.length === 0) return { sentences, error: null };
    const buf: Buffer =
      this.buffer.length === 0
        ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)
        : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    while (offset < buf.length) {
      const b0 = buf[offset] as number;
      const size = lengthPrefixSize(b0);
      if (size === 0) {
        return this.fail(sentences, 'bad_length', `reserved length byte 0x${b0.toString(16)} in stream`);
      }
      if (offset + size > buf.length) break;
      const length = decodeLength(buf.subarray(offset, offset + size));
      if (length > this.maxWordBytes) {
        return this.fail(sentences, 'oversize_word', `word of ${length} bytes exceeds ${this.maxWordBytes}`);
      }
      if (offset + size + length > buf.length) break;
      const start = offset + size;
      offset = start + length;
      if (length === 0) {
        sentences.push(this.words);
        this.words = [];
        continue;
      }
      if (this.words.length >= this.maxSentenceWords) {
        return this.fail(sentences, 'oversize_sentence', `sentence exceeds ${this.maxSentenceWords} words`);
      }
      this.words.push(buf.toString(this.encoding, start, offset));
    }
    // Copy the tail so a large chunk is not kept alive by a few leftover bytes.
    this.buffer = offset >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(offset));
    return { sentences, error: null };
  }

  /** Call at end of stream: a partial word or sentence left over is a truncation error. */
  end(): RouterProtocolError | null {
    if (this.failed) return this.failed;
    if (this.pending) {
      this.failed = new RouterProtocolError('truncated', 'stream ended inside a sentence');
      return this.failed;
    }
    return null;
  }

  private fail(sentences: string[][], reason: RouterProtocolError['reason'], message: string): DecodeResult {
    this.failed = new RouterProtocolError(reason, message);
    this.buffer = Buffer.alloc(0);
    this.words = [];
    return { sentences, error: this.failed };
  }
}

/** Decodes a whole buffer that must hold complete sentences only (tests, tools). */
export function decodeSentences(bytes: Uint8Array, encoding: BufferEncoding = 'utf8'): DecodeResult {
  const decoder = new SentenceDecoder(encoding);
  const result = decoder.push(bytes);
  if (result.error) return result;
  return { sentences: result.sentences, error: decoder.end() };
}

// ---- words → meaning -------------------------------------------------------------------------

/** `=name=value` → [name, value]. The value may itself contain `=`; `=name` alone means an empty value. */
export function parseAttributeWord(word: string): [string, string] | null {
  if (!word.startsWith('=')) return null;
  const eq = word.indexOf('=', 1);
  if (eq === -1) return [word.slice(1), ''];
  return [word.slice(1, eq), word.slice(eq + 1)];
}

export function attributeWord(name: string, value: string | number | boolean): string {
  const v = typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);
  return `=${name}=${v}`;
}

export type ReplyType = '!re' | '!done' | '!trap' | '!fatal' | '!empty';

export interface ParsedReply {
  type: ReplyType;
  /** `=name=value` words of the reply (`.id` included). */
  attributes: Record<string, string>;
  tag: string | undefined;
  /** `!fatal` carries its reason as a plain word, not an attribute (e.g. `session terminated on request`). */
  fatalMessage: string | undefined;
}

const REPLY_TYPES = new Set<string>(['!re', '!done', '!trap', '!fatal', '!empty']);

/** Interprets a reply sentence; unknown reply words and malformed words are protocol errors. */
export function parseReply(words: readonly string[]): ParsedReply | RouterProtocolError {
  const [first, ...rest] = words;
  if (first === undefined || !REPLY_TYPES.has(first)) {
    return new RouterProtocolError(
      'unexpected_reply',
      `unexpected reply word ${JSON.stringify(first ?? '')}`,
    );
  }
  const attributes: Record<string, string> = Object.create(null);
  let tag: string | undefined;
  const plain: string[] = [];
  for (const word of rest) {
    if (word.startsWith('.tag=')) tag = word.slice(5);
    else {
      const attr = parseAttributeWord(word);
      if (attr) attributes[attr[0]] = attr[1];
      else plain.push(word);
    }
  }
  if (first === '!fatal') {
    return { type: '!fatal', attributes, tag, fatalMessage: plain.join('\n') || attributes.message || '' };
  }
  if (plain.length > 0) {
    return new RouterProtocolError(
      'unexpected_reply',
      `unexpected word ${JSON.stringify(plain[0])} in ${first}`,
    );
  }
  return { type: first as ReplyType, attributes, tag, fatalMessage: undefined };
}

export interface ParsedCommand {
  command: string;
  attributes: Map<string, string>;
  /** API attributes other than `.tag` (`.proplist` arrives as `=.proplist=` and lands in attributes). */
  tag: string | undefined;
  /** Query words in order, without the leading `?`. Order matters: they are evaluated as a stack. */
  queries: string[];
}

/** Interprets a command sentence (the simulator's side). */
export function parseCommand(words: readonly string[]): ParsedCommand | RouterProtocolError {
  const [command, ...rest] = words;
  if (command === undefined || !command.startsWith('/')) {
    return new RouterProtocolError(
      'unexpected_reply',
      `a command must start with '/', got ${JSON.stringify(command ?? '')}`,
    );
  }
  const attributes = new Map<string, string>();
  const queries: string[] = [];
  let tag: string | undefined;
  for (const word of rest) {
    if (word.startsWith('=')) {
      const attr = parseAttributeWord(word);
      if (attr) attributes.set(attr[0], attr[1]);
    } else if (word.startsWith('?')) queries.push(word.slice(1));
    else if (word.startsWith('.tag=')) tag = word.slice(5);
    // Other words (e.g. a stray `.id=` without the `=` prefix) are ignored, as RouterOS does.
  }
  return { command, attributes, tag, queries };
}
