import fs from 'node:fs';
import path from 'node:path';
import { parseAst } from 'vite';

/**
 * Finds the English sentences the server can show people, in the sources themselves, for the
 * coverage test of the server catalog (server-messages.coverage.test.ts). A text is checked when
 * it sits where messages go — the message or field messages of `fail(...)`, a `message:` or
 * `error:` property, a `fields` object, a zod method's message — or when it reads like English
 * prose anywhere else (a sentence, or three words or more). Texts that never reach a person are
 * left out by the explicit rules below (call shapes, files, single texts), each with its reason;
 * nothing is skipped silently.
 *
 * Template literals become shapes: `At most ${n} devices.` → "At most {} devices.". A `?:` or
 * `??` with literal branches inside a template gives one shape per branch
 * (`minute${n === 1 ? '' : 's'}` → "minute", "minutes").
 */

export type SourceText = { file: string; line: number; shape: string; why: 'message' | 'prose' };

/** Placeholders in shapes (source `${…}` and catalog `{name}` alike). */
export const HOLE = '{}';

/** Whole files whose texts never reach a person as a server message. */
export const EXCLUDED_FILES: Record<string, string> = {
  'lib/env.ts': 'start-up configuration errors, printed for the operator',
  'lib/server/': 'the custom server: console banner, plain-text refusals to scripts and proxies, headers',
  'lib/db/': 'database connection and start-up errors (operator)',
  'lib/crypto/': 'internal errors of the secret box; callers turn them into sentences of their own',
  'lib/routeros/':
    'the RouterOS client: wire-protocol and socket details, quoted inside the sentences of describeRouterError',
  'lib/observability/log.ts': 'the structured logger',
  'lib/observability/metrics.ts': 'Prometheus metric help texts',
  'lib/ddns/': 'DynDNS2: protocol answers (good, nochg, badauth…), client configuration files, audit details',
  'lib/profiles/rsc.ts': 'the .rsc export (a RouterOS script) and its parser for tests',
  'lib/profiles/seed-profiles.ts': 'example profiles: names and notes are data the admin edits',
  'app/api/metrics/': 'the Prometheus scrape endpoint (operators)',
  'app/nic/': 'DynDNS2 protocol answers (good, nochg, badauth…)',
  'lib/profiles/testing/': 'factories and fixtures for tests',
};

/** Functions whose texts are not messages, by file. */
export const EXCLUDED_FUNCTIONS: Record<string, Record<string, string>> = {
  'lib/requests/webhook.ts': {
    requestPayload: 'webhook payloads for chat tools, not translated',
    testWebhook: 'webhook payloads for chat tools, not translated',
  },
  'lib/profiles/plan.ts': { describePlan: 'the dry-run diff of RouterOS rules, technical like the .rsc' },
  'lib/profiles/service.ts': { profileRsc: 'comments of the .rsc export' },
  'lib/profiles/commands.ts': { script: 'comments inside the generated knock scripts' },
  'lib/profiles/model.ts': {
    describeStep: 'a step in RouterOS/ping terms (TCP port 22, ping -s 692), quoted inside messages',
  },
};

/** Single texts that read like prose but are not shown as messages. */
export const EXCLUDED_TEXTS: Record<string, string> = {
  'HTTP {}': 'a webhook answer status, the same in every language',
  '/signin': 'the sign-in page path (next-auth pages option)',
  'no longer covered by the policy': 'an audit reason (lib/grants/access.ts)',
  'nc -z -w 2 {} {} && echo open': 'a shell command (lib/profiles/commands.ts)',
  'nc -zu -w 2 {} {} && echo open': 'a shell command (lib/profiles/commands.ts)',
};

type Node = { type: string; start: number; [key: string]: unknown };

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';

const FAIL_LIKE = new Set(['fail', 'problem']);
const ZOD_METHODS = new Set([
  'string',
  'number',
  'min',
  'max',
  'length',
  'regex',
  'email',
  'url',
  'uuid',
  'refine',
  'enum',
  'int',
  'positive',
  'nonnegative',
]);
const METRIC_CLASSES = new Set(['Counter', 'Gauge', 'Histogram', 'Summary']);
const MAX_VARIANTS = 16;

function calleeName(node: Node): string | undefined {
  const callee = node.callee as Node;
  if (callee.type === 'Identifier') return callee.name as string;
  if (callee.type === 'MemberExpression' && !callee.computed) return (callee.property as Node).name as string;
  return undefined;
}

/** `log().info(…)`, `log()[level](…)`, `log(level, …)`, `console.warn(…)`: a log line. */
function isLogCall(node: Node): boolean {
  const callee = node.callee as Node;
  if (callee.type === 'Identifier') return callee.name === 'log' && (node.arguments as Node[]).length > 0;
  if (callee.type !== 'MemberExpression') return false;
  const object = callee.object as Node;
  if (object.type === 'Identifier') return object.name === 'console' || object.name === 'logger';
  return (
    object.type === 'CallExpression' &&
    (object.callee as Node).type === 'Identifier' &&
    (object.callee as Node).name === 'log'
  );
}

/** Why a subtree holds no messages, or undefined. `classes`: the enclosing class declarations. */
function excludedBecause(node: Node, classes: Node[]): string | undefined {
  switch (node.type) {
    case 'TaggedTemplateExpression':
      return 'SQL (tagged template)';
    case 'JSXAttribute':
    case 'JSXText':
      return 'page markup: its texts come from the next-intl catalogs';
    case 'TSLiteralType':
    case 'ImportDeclaration':
    case 'ExportAllDeclaration':
      return 'types and module paths';
    case 'CallExpression': {
      if (isLogCall(node)) return 'a log line (English, for operators)';
      const name = calleeName(node);
      if (name === 'recordAudit' || name === 'revokeGrant')
        return 'audit details (the audit log is not translated)';
      if ((node.callee as Node).type === 'Super') {
        const parent = classes.at(-1)?.superClass as Node | undefined;
        const base = parent?.type === 'Identifier' ? (parent.name as string) : '';
        if (/Error$/.test(base) && !/^Router\w*Error$/.test(base)) return 'an internal error (super)';
      }
      return undefined;
    }
    case 'NewExpression': {
      const callee = node.callee as Node;
      const name = callee.type === 'Identifier' ? (callee.name as string) : '';
      if (METRIC_CLASSES.has(name)) return 'a metric help text';
      // Router errors carry their message to people (describeRouterError); others are internal:
      // services catch them and answer with a sentence of their own, the rest becomes "Something
      // went wrong; nothing was changed." (lib/auth/action.ts).
      if (/Error$/.test(name) && !/^Router\w*Error$/.test(name)) return 'an internal error';
      return undefined;
    }
    case 'VariableDeclarator':
      if ((node.id as Node).name === 'metadata') return 'page metadata (static titles)';
      return undefined;
    default:
      return undefined;
  }
}

function functionName(node: Node, parent: Node | undefined): string | undefined {
  if (node.type === 'FunctionDeclaration') return (node.id as Node | null)?.name as string | undefined;
  if (
    (node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression') &&
    parent?.type === 'VariableDeclarator'
  ) {
    return (parent.id as Node).name as string;
  }
  return undefined;
}

/** The shapes a string literal or template literal can produce (see the file comment). */
function shapesOf(node: Node, consumed: Set<Node>): string[] {
  if (node.type === 'Literal') return [String(node.value)];
  const quasis = node.quasis as Node[];
  const expressions = node.expressions as Node[];
  let variants = [''];
  quasis.forEach((quasi, i) => {
    const cooked = String((quasi.value as { cooked: string }).cooked);
    variants = variants.map((v) => v + cooked);
    const expression = expressions[i];
    if (!expression) return;
    const options = expressionOptions(expression, consumed);
    const next = variants.flatMap((v) => options.map((o) => v + o));
    variants = next.length <= MAX_VARIANTS ? next : variants.map((v) => v + HOLE);
  });
  return [...new Set(variants)];
}

function isText(node: Node): boolean {
  return (node.type === 'Literal' && typeof node.value === 'string') || node.type === 'TemplateLiteral';
}

function expressionOptions(node: Node, consumed: Set<Node>): string[] {
  const branch = (n: Node): string[] => {
    if (!isText(n)) return [HOLE];
    consumed.add(n);
    return shapesOf(n, consumed);
  };
  if (node.type === 'ConditionalExpression') {
    const a = node.consequent as Node;
    const b = node.alternate as Node;
    if (isText(a) || isText(b)) return [...branch(a), ...branch(b)];
  }
  if (node.type === 'LogicalExpression' && (node.operator === '??' || node.operator === '||')) {
    const right = node.right as Node;
    if (isText(right)) return [HOLE, ...branch(right)];
  }
  return [HOLE];
}

/** Whether a text node sits where a message goes (looking through `?:`, `??`, `as`, parentheses). */
function inMessagePosition(node: Node, parents: Node[]): boolean {
  let child = node;
  let i = parents.length - 1;
  while (
    i >= 0 &&
    ['ConditionalExpression', 'LogicalExpression', 'TSAsExpression', 'ParenthesizedExpression'].includes(
      parents[i]!.type,
    )
  ) {
    child = parents[i]!;
    i--;
  }
  const parent = parents[i];
  if (!parent) return false;
  if (parent.type === 'CallExpression') {
    const args = parent.arguments as Node[];
    const name = calleeName(parent);
    if ((parent.callee as Node).type === 'Identifier' && FAIL_LIKE.has(name ?? '')) {
      return args.indexOf(child) >= 1;
    }
    return (parent.callee as Node).type === 'MemberExpression' && ZOD_METHODS.has(name ?? '');
  }
  if (parent.type === 'Property' && parent.value === child) {
    const key = (parent.key as Node).name;
    if (key === 'message' || key === 'error') return true;
    // A value of a `fields` object, or of the object passed to fail(…) as its fields.
    const object = parents[i - 1];
    const holder = parents[i - 2];
    if (object?.type === 'ObjectExpression' && holder) {
      if (holder.type === 'Property' && (holder.key as Node).name === 'fields') return true;
      if (holder.type === 'CallExpression' && FAIL_LIKE.has(calleeName(holder) ?? '')) {
        return (holder.arguments as Node[]).indexOf(object) >= 2;
      }
    }
  }
  return false;
}

const words = (shape: string) =>
  shape
    .replaceAll(HOLE, ' ')
    .split(/\s+/)
    .filter((w) => /^[("“'„]?[A-Za-z][a-z]+[,;:.!?)"”']*$/.test(w)).length;

/** Reads like English prose: a sentence, or three plain words or more. */
export function readsLikeProse(shape: string): boolean {
  const t = shape.trim();
  const sentence = /^["“'„(]?(\{\}|[A-Z])/.test(t) && /\s/.test(t) && /[.?!]["”')]?$/.test(t);
  return sentence || words(t) >= 3;
}

/**
 * The texts of one source file that need a translation. `excludedSeen` collects the entries of
 * EXCLUDED_TEXTS met on the way (so the test can tell when one is no longer needed).
 */
export function scanSource(file: string, code: string, excludedSeen?: Set<string>): SourceText[] {
  const excludedFunctions = EXCLUDED_FUNCTIONS[file] ?? {};
  const ast = parseAst(code, { lang: file.endsWith('.tsx') ? 'tsx' : 'ts' }) as unknown as Node;
  const found: SourceText[] = [];
  const consumed = new Set<Node>();
  const lineOf = (offset: number) => code.slice(0, offset).split('\n').length;

  const visit = (node: Node, parents: Node[], classes: Node[]) => {
    if (excludedBecause(node, classes)) return;
    const name = functionName(node, parents.at(-1));
    if (name && excludedFunctions[name]) return;
    if (isText(node) && !consumed.has(node)) {
      const message = inMessagePosition(node, parents);
      for (const shape of shapesOf(node, consumed)) {
        if (EXCLUDED_TEXTS[shape] !== undefined) {
          excludedSeen?.add(shape);
          continue;
        }
        if (!/[A-Za-z]{2}/.test(shape)) continue;
        if (message || readsLikeProse(shape)) {
          found.push({ file, line: lineOf(node.start), shape, why: message ? 'message' : 'prose' });
        }
      }
      if (node.type === 'Literal') return;
    }
    const inner =
      node.type === 'ClassDeclaration' || node.type === 'ClassExpression' ? [...classes, node] : classes;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'start' || key === 'end') continue;
      for (const child of Array.isArray(value) ? value : [value]) {
        if (isNode(child)) visit(child, [...parents, node], inner);
      }
    }
  };
  visit(ast, [], []);
  return found;
}

/** The source files of the portal's server code: lib/ and app/ without tests (*.test.ts) and EXCLUDED_FILES. */
export function serverSourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(relative);
      } else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) {
        files.push(relative);
      }
    }
  };
  for (const dir of ['lib', 'app']) walk(dir);
  return files.filter(
    (f) => !Object.keys(EXCLUDED_FILES).some((x) => (x.endsWith('/') ? f.startsWith(x) : f === x)),
  );
}

/**
 * Shapes compared for coverage: catalog placeholders `{name}` become `{}`, and a placeholder at
 * either end is dropped — a fragment appended to another message (" (2 of 5 changes made; …)")
 * is covered by the pattern that holds both ("{message} (… changes made; …)").
 */
export function comparable(shape: string): string {
  let s = shape.replace(/\{\w+\}/g, HOLE).trim();
  for (;;) {
    const next = s.replace(/^(\{\}\s*)+/, '').replace(/(\s*\{\})+$/, '');
    if (next === s) return s;
    s = next;
  }
}
