import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeLength,
  decodeSentences,
  encodeLength,
  encodeSentence,
  encodeWord,
  lengthPrefixSize,
  parseAttributeWord,
  parseCommand,
  parseReply,
  SentenceDecoder,
} from './codec';
import { RouterProtocolError } from './errors';

const RUNS = 10_000;

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(last, p));
    last = p;
  }
  chunks.push(bytes.subarray(last));
  return chunks;
}

describe('length prefix', () => {
  it.each([
    [0, [0x00]],
    [0x7f, [0x7f]],
    [0x80, [0x80, 0x80]],
    [0x3fff, [0xbf, 0xff]],
    [0x4000, [0xc0, 0x40, 0x00]],
    [0x1fffff, [0xdf, 0xff, 0xff]],
    [0x200000, [0xe0, 0x20, 0x00, 0x00]],
    [0xfffffff, [0xef, 0xff, 0xff, 0xff]],
    [0x10000000, [0xf0, 0x10, 0x00, 0x00, 0x00]],
    [0xffffffff, [0xf0, 0xff, 0xff, 0xff, 0xff]],
  ])('encodes %i in the documented form', (length, bytes) => {
    expect([...encodeLength(length)]).toEqual(bytes);
    expect(decodeLength(Uint8Array.from(bytes))).toBe(length);
  });

  it('round-trips every length in all five ranges', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        const prefix = encodeLength(n);
        expect(lengthPrefixSize(prefix[0] as number)).toBe(prefix.length);
        expect(decodeLength(prefix)).toBe(n);
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects lengths it cannot encode with a typed error', () => {
    for (const bad of [-1, 1.5, 2 ** 32, Number.NaN]) {
      expect(() => encodeLength(bad)).toThrow(RouterProtocolError);
    }
  });
});

describe('SentenceDecoder', () => {
  const word = fc.oneof(
    { weight: 8, arbitrary: fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }) },
    // Long words exercise the 2- and 3-byte length forms.
    { weight: 1, arbitrary: fc.string({ minLength: 120, maxLength: 300 }) },
    { weight: 1, arbitrary: fc.constant('x'.repeat(0x4001)) },
  );
  const sentence = fc.array(word, { minLength: 1, maxLength: 8 });

  it(`round-trips random sentences through random splits (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(
        fc.array(sentence, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (sentences, cuts) => {
          const bytes = Buffer.concat(sentences.map((s) => encodeSentence(s)));
          const decoder = new SentenceDecoder();
          const out: string[][] = [];
          for (const chunk of splitAt(bytes, cuts)) {
            const r = decoder.push(chunk);
            expect(r.error).toBeNull();
            out.push(...r.sentences);
          }
          expect(decoder.end()).toBeNull();
          expect(out).toEqual(sentences);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('round-trips arbitrary bytes (latin1 maps bytes 1:1) fed one byte at a time', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 5 }),
        (words) => {
          const bytes = encodeSentence(words);
          const decoder = new SentenceDecoder('latin1');
          const out: string[][] = [];
          for (const b of bytes) out.push(...decoder.push(Uint8Array.of(b)).sentences);
          expect(out).toHaveLength(1);
          expect(out[0]?.map((w) => [...Buffer.from(w, 'latin1')])).toEqual(words.map((w) => [...w]));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('returns many sentences from one chunk, in order', () => {
    const bytes = Buffer.concat([
      encodeSentence(['!re', '=a=1']),
      encodeSentence(['!re', '=a=2']),
      encodeSentence(['!done']),
    ]);
    const r = new SentenceDecoder().push(bytes);
    expect(r.sentences).toEqual([['!re', '=a=1'], ['!re', '=a=2'], ['!done']]);
  });

  it('keeps UTF-8 characters that are split across chunks intact', () => {
    const bytes = encodeSentence(['=comment=café ✓ žluťoučký']);
    const d = new SentenceDecoder();
    const out = [...bytes].flatMap((b) => d.push(Uint8Array.of(b)).sentences);
    expect(out).toEqual([['=comment=café ✓ žluťoučký']]);
  });

  it('measures word length in bytes, not characters', () => {
    expect([...encodeWord('é')]).toEqual([2, 0xc3, 0xa9]);
  });

  it('refuses an empty word inside a sentence (it would be read as the terminator)', () => {
    expect(() => encodeSentence(['/ip/address/print', ''])).toThrow(RouterProtocolError);
  });
});

describe('malformed input corpus', () => {
  const corpus: Array<[string, number[], RouterProtocolError['reason']]> = [
    ['reserved control byte 0xF8', [0xf8, 0x01, 0x02], 'bad_length'],
    ['reserved control byte 0xFF', [0xff], 'bad_length'],
    ['reserved byte after a valid word', [0x03, 0x21, 0x72, 0x65, 0xf1], 'bad_length'],
    ['truncated word', [0x05, 0x21, 0x64], 'truncated'],
    ['truncated 2-byte prefix', [0x81], 'truncated'],
    ['truncated 5-byte prefix', [0xf0, 0x00, 0x00], 'truncated'],
    ['sentence without terminator', [0x05, 0x21, 0x64, 0x6f, 0x6e, 0x65], 'truncated'],
    ['oversize word (4-byte form, 256 MiB)', [0xef, 0xff, 0xff, 0xff, 0x41], 'oversize_word'],
    ['oversize word (0xF0 form, 4 GiB)', [0xf0, 0xff, 0xff, 0xff, 0xff], 'oversize_word'],
  ];

  it.each(corpus)('%s → typed error, no throw', (_name, bytes, reason) => {
    const r = decodeSentences(Uint8Array.from(bytes));
    expect(r.error).toBeInstanceOf(RouterProtocolError);
    expect(r.error?.reason).toBe(reason);
  });

  it('stays failed after an error and never throws on further input', () => {
    const d = new SentenceDecoder();
    expect(d.push(Uint8Array.of(0xfe)).error?.reason).toBe('bad_length');
    const again = d.push(encodeSentence(['!done']));
    expect(again.sentences).toEqual([]);
    expect(again.error).toBeInstanceOf(RouterProtocolError);
  });

  it('random garbage never throws and always ends in sentences or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        const d = new SentenceDecoder('utf8', { maxWordBytes: 4096, maxSentenceWords: 64 });
        let error: RouterProtocolError | null = null;
        for (const chunk of splitAt(bytes, cuts)) error = d.push(chunk).error ?? error;
        const end = d.end();
        if (error) expect(end).toBe(error);
        else if (end) expect(end.reason).toBe('truncated');
      }),
      { numRuns: RUNS },
    );
  });

  it('limits the number of words in one sentence', () => {
    const d = new SentenceDecoder('utf8', { maxSentenceWords: 3 });
    const r = d.push(Buffer.concat([encodeWord('a'), encodeWord('b'), encodeWord('c'), encodeWord('d')]));
    expect(r.error?.reason).toBe('oversize_sentence');
  });
});

describe('words', () => {
  it('splits attribute words at the second "=" only', () => {
    expect(parseAttributeWord('=comment=a=b==c')).toEqual(['comment', 'a=b==c']);
    expect(parseAttributeWord('=disabled=')).toEqual(['disabled', '']);
    expect(parseAttributeWord('=follow')).toEqual(['follow', '']);
    expect(parseAttributeWord('.tag=1')).toBeNull();
  });

  it('parses replies with .tag, .id and values containing "="', () => {
    expect(parseReply(['!re', '=.id=*1A', '=comment=k=v', '.tag=7'])).toEqual({
      type: '!re',
      attributes: { '.id': '*1A', comment: 'k=v' },
      tag: '7',
      fatalMessage: undefined,
    });
    expect(parseReply(['!done', '=ret=*2B'])).toMatchObject({ type: '!done', attributes: { ret: '*2B' } });
    expect(parseReply(['!empty', '.tag=3'])).toMatchObject({ type: '!empty', tag: '3' });
  });

  it('reads the reason of !fatal from its plain word', () => {
    expect(parseReply(['!fatal', 'session terminated on request'])).toMatchObject({
      type: '!fatal',
      fatalMessage: 'session terminated on request',
    });
  });

  it('turns unknown reply words and stray words into protocol errors', () => {
    expect(parseReply(['!bogus'])).toBeInstanceOf(RouterProtocolError);
    expect(parseReply([])).toBeInstanceOf(RouterProtocolError);
    expect(parseReply(['!re', 'garbage'])).toBeInstanceOf(RouterProtocolError);
  });

  it('parses commands with attributes, queries in order and a tag', () => {
    const c = parseCommand([
      '/ip/firewall/address-list/print',
      '=.proplist=.id,address',
      '?list=a',
      '?list=b',
      '?#|',
      '?<timeout=1h',
      '?-comment',
      '.tag=9',
    ]);
    expect(c).toEqual({
      command: '/ip/firewall/address-list/print',
      attributes: new Map([['.proplist', '.id,address']]),
      tag: '9',
      queries: ['list=a', 'list=b', '#|', '<timeout=1h', '-comment'],
    });
    expect(parseCommand(['print'])).toBeInstanceOf(RouterProtocolError);
  });
});
