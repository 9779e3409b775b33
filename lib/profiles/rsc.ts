/**
 * `.rsc` export of a rule list and the parser that reads it back.
 *
 * The output follows RouterOS `export terse` conventions so an admin recognises it:
 *   - a menu line in the space form (`/ip firewall filter`) whenever the table changes;
 *   - `add` + attributes sorted by name (RouterOS export prints them alphabetically);
 *   - a value is left bare when it only has characters RouterOS export leaves bare (letters, digits
 *     and `_ . , : / ! @ * < > -`; e.g. `in-interface-list=!LAN`, `mac-address=B8:69:F4:2D:D9:82`),
 *     otherwise it is double-quoted with the console escapes: `\"` `\\` `\$` `\?` `\n` `\r` `\t`,
 *     and other control or non-ASCII bytes as `\XX` (upper-case hex of the UTF-8 bytes, as export
 *     writes Cyrillic comments). `$` and `?` must be escaped: the console would expand a variable /
 *     show help.
 * No line wrapping is emitted; the parser accepts export's `\`-newline continuation (and `\_` for a
 * space) so a real `export` of the same rules can be pasted into the dry-run view too.
 */
import { generateRules } from './generate';
import { describeStep, type ValidProfile } from './model';
import { profileTagPrefix, RULE_TABLES, type Rule, type RuleTable } from './rule';

export type RscErrorCode =
  | 'rsc_syntax'
  | 'rsc_unknown_menu'
  | 'rsc_unsupported_command'
  | 'rsc_no_menu'
  | 'rsc_duplicate_attribute';

export type RscError = { code: RscErrorCode; line: number; message: string };
export type RscParseResult = { ok: true; rules: Rule[] } | { ok: false; error: RscError };

const BARE_VALUE = /^[A-Za-z0-9_.,:/!@*<>-]+$/;
const ATTR_NAME = /^[a-z0-9][a-z0-9.-]*$/;

function menuLine(table: RuleTable): string {
  return `/${table.slice(1).split('/').join(' ')}`;
}

const encoder = new TextEncoder();

function hexByte(byte: number): string {
  return `\\${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** One value as RouterOS export writes it. */
export function quoteValue(value: string): string {
  if (BARE_VALUE.test(value)) return value;
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === '\\' || char === '$' || char === '?') out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += hexByte(code);
    else if (code > 0x7e) for (const byte of encoder.encode(char)) out += hexByte(byte);
    else out += char;
  }
  return `${out}"`;
}

export type RenderOptions = {
  /** Lines written as `# …` comments at the top (e.g. what the script does and how to paste it). */
  header?: readonly string[];
};

export function renderRsc(rules: readonly Rule[], options: RenderOptions = {}): string {
  const lines: string[] = [];
  for (const text of options.header ?? []) {
    for (const line of text.split('\n')) lines.push(line === '' ? '#' : `# ${line}`);
  }
  let current: RuleTable | null = null;
  for (const rule of rules) {
    if (rule.table !== current) {
      lines.push(menuLine(rule.table));
      current = rule.table;
    }
    const attrs = Object.keys(rule.attrs)
      .sort()
      .map((name) => `${name}=${quoteValue(rule.attrs[name]!)}`);
    lines.push(['add', ...attrs].join(' '));
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Parser

type Token = { kind: 'word'; text: string; quoted: boolean; line: number } | { kind: 'end'; line: number };

class RscSyntaxError {
  constructor(readonly error: RscError) {}
}

const fail = (code: RscErrorCode, line: number, message: string): never => {
  throw new RscSyntaxError({ code, line, message });
};

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Splits the script into words and command ends (newline or `;`), resolving quotes, escapes,
 * `\`-newline continuations and `#` comment lines.
 */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let atCommandStart = true;
  const n = text.length;

  const skipContinuation = (): boolean => {
    // `\` + newline (+ the next line's indentation) joins two lines, inside or outside quotes.
    const m = /^\\\r?\n[ \t]*/.exec(text.slice(i, i + 64));
    if (!m) return false;
    i += m[0].length;
    line += 1;
    return true;
  };

  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i += 1;
    } else if (c === '\n' || c === ';') {
      tokens.push({ kind: 'end', line });
      if (c === '\n') line += 1;
      i += 1;
      atCommandStart = true;
    } else if (c === '#' && atCommandStart) {
      while (i < n && text[i] !== '\n') i += 1;
    } else if (c === '\\' && skipContinuation()) {
      // joined
    } else {
      atCommandStart = false;
      const start = line;
      const bytes: number[] = [];
      let quoted = false;
      while (i < n) {
        const ch = text[i]!;
        if (ch === ' ' || ch === '\t' || ch === '\n' || ch === ';' || ch === '\r') break;
        if (ch === '\\' && skipContinuation()) continue;
        if (ch === '"') {
          // A quote may open a word or follow `name=`; anything else is not RouterOS syntax.
          if (bytes.length > 0 && bytes.at(-1) !== 0x3d)
            fail('rsc_syntax', line, 'Unexpected quote inside a word.');
          quoted = true;
          i += 1;
          let closed = false;
          while (i < n) {
            const q = text[i]!;
            if (q === '"') {
              closed = true;
              i += 1;
              break;
            }
            if (q === '\\') {
              if (skipContinuation()) continue;
              i += 1;
              readEscape(bytes);
              continue;
            }
            if (q === '\n') line += 1;
            const code = text.codePointAt(i)!;
            pushChar(bytes, code);
            i += code > 0xffff ? 2 : 1;
          }
          if (!closed) fail('rsc_syntax', start, 'Unterminated quoted value.');
          const next = text[i];
          if (next !== undefined && !' \t\r\n;'.includes(next)) {
            if (!(next === '\\' && /^\\\r?\n/.test(text.slice(i, i + 3)))) {
              fail('rsc_syntax', line, 'A quoted value must be followed by a space or the end of the line.');
            }
          }
          continue;
        }
        const code = text.codePointAt(i)!;
        pushChar(bytes, code);
        i += code > 0xffff ? 2 : 1;
      }
      let word: string;
      try {
        word = decoder.decode(new Uint8Array(bytes));
      } catch {
        return fail('rsc_syntax', start, 'A value contains bytes that are not valid UTF-8.');
      }
      tokens.push({ kind: 'word', text: word, quoted, line: start });
    }
  }
  tokens.push({ kind: 'end', line });
  return tokens;

  function pushChar(bytes: number[], code: number): void {
    for (const byte of encoder.encode(String.fromCodePoint(code))) bytes.push(byte);
  }

  function readEscape(bytes: number[]): void {
    const e = text[i];
    const hex = text.slice(i, i + 2);
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
      return;
    }
    const simple: Record<string, number> = {
      '"': 0x22,
      '\\': 0x5c,
      $: 0x24,
      '?': 0x3f,
      _: 0x20,
      n: 0x0a,
      r: 0x0d,
      t: 0x09,
      a: 0x07,
      b: 0x08,
      f: 0x0c,
      v: 0x0b,
    };
    const code = e === undefined ? undefined : simple[e];
    if (code === undefined) fail('rsc_syntax', line, `Unknown escape "\\${e ?? ''}".`);
    bytes.push(code!);
    i += 1;
  }
}

const MENUS = new Map<string, RuleTable>(RULE_TABLES.map((table) => [table, table]));

/** Reads a script of `/menu` lines and `add` commands back into rules. Never throws. */
export function parseRsc(text: string): RscParseResult {
  try {
    return { ok: true, rules: parseTokens(tokenize(text)) };
  } catch (error) {
    if (error instanceof RscSyntaxError) return { ok: false, error: error.error };
    throw error;
  }
}

function parseTokens(tokens: Token[]): Rule[] {
  const rules: Rule[] = [];
  let table: RuleTable | null = null;
  let pos = 0;

  while (pos < tokens.length) {
    // One command: tokens up to the next end.
    const command: Extract<Token, { kind: 'word' }>[] = [];
    while (pos < tokens.length && tokens[pos]!.kind === 'word') {
      command.push(tokens[pos] as Extract<Token, { kind: 'word' }>);
      pos += 1;
    }
    pos += 1; // the end token
    if (command.length === 0) continue;

    let k = 0;
    const head = command[0]!;
    if (head.text.startsWith('/') && !head.quoted) {
      // `/ip firewall filter` or `/ip/firewall/filter`, optionally followed by a command.
      const path: string[] = head.text.split('/').filter((part) => part !== '');
      k = 1;
      while (k < command.length && !command[k]!.text.includes('=') && command[k]!.text !== 'add') {
        path.push(command[k]!.text);
        k += 1;
      }
      const menu = `/${path.join('/')}`;
      const found = MENUS.get(menu);
      if (!found) fail('rsc_unknown_menu', head.line, `Menu "${menu}" is not one Knockgate writes to.`);
      table = found!;
      if (k === command.length) continue;
    }
    const verb = command[k]!;
    if (verb.text !== 'add' || verb.quoted) {
      fail('rsc_unsupported_command', verb.line, `Only "add" commands are supported, found "${verb.text}".`);
    }
    if (table === null)
      fail('rsc_no_menu', verb.line, '"add" appears before any menu line such as /ip firewall filter.');
    const attrs: Record<string, string> = {};
    for (const word of command.slice(k + 1)) {
      const eq = word.text.indexOf('=');
      const name = eq < 0 ? '' : word.text.slice(0, eq);
      if (eq < 0 || !ATTR_NAME.test(name)) {
        fail('rsc_syntax', word.line, `Expected name=value, found "${word.text}".`);
      }
      if (Object.hasOwn(attrs, name)) fail('rsc_duplicate_attribute', word.line, `"${name}" is given twice.`);
      attrs[name] = word.text.slice(eq + 1);
    }
    rules.push({ table: table!, attrs });
  }
  return rules;
}

// ---------------------------------------------------------------------------------------------
// A profile's script

function serviceText(profile: ValidProfile): string {
  const s = profile.service;
  if (s.kind === 'router') return `${s.protocol}/${s.ports.join(',')} on the router`;
  return `${s.protocol}/${s.port} forwarded to ${s.toAddress}:${s.toPort} (${s.kind === 'dstnat' ? 'dstnat' : 'filter forward'})`;
}

/** The downloadable script of a profile: header comments + its generated rules. */
export function exportProfileRsc(profile: ValidProfile, options: { note?: readonly string[] } = {}): string {
  const steps = profile.steps.map((step, i) => `${i + 1}) ${describeStep(step)}`).join(', ');
  const header = [
    `Knockgate knock profile ${profile.id}: ${profile.name}`,
    `Sequence: ${steps} -> ${serviceText(profile)} for ${profile.finalTimeout}.`,
    `Every rule is tagged ${profileTagPrefix(profile.id)}<n>; Knockgate's apply and remove touch only those.`,
    'Pasting appends each rule at the end of its table: if chain input already ends in a drop rule,',
    "move these rules above it (Knockgate's apply places them there itself).",
  ];
  if (options.note && options.note.length > 0) header.push('', ...options.note);
  return renderRsc(generateRules(profile), { header });
}
