import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServerCatalog } from './server-messages';
import {
  comparable,
  EXCLUDED_FILES,
  EXCLUDED_FUNCTIONS,
  EXCLUDED_TEXTS,
  HOLE,
  type SourceText,
  scanSource,
  serverSourceFiles,
} from './testing/source-texts';

/**
 * Every English sentence the server can show a person has a Bulgarian entry in
 * messages/bg/server.json. What counts as such a sentence, and what is left out and why, is in
 * testing/source-texts.ts.
 */
const root = process.cwd();
const catalog = JSON.parse(
  fs.readFileSync(path.join(root, 'messages/bg/server.json'), 'utf8'),
) as ServerCatalog;
const files = serverSourceFiles(root);
const sources = new Map(files.map((f) => [f, fs.readFileSync(path.join(root, f), 'utf8')]));
const excludedSeen = new Set<string>();
const found = files.flatMap((f) => scanSource(f, sources.get(f)!, excludedSeen));

function missing(texts: SourceText[], entries: ServerCatalog): string[] {
  const covered = new Set(Object.keys(entries).map(comparable));
  return texts.filter((t) => !covered.has(comparable(t.shape))).map((t) => `${t.file}:${t.line}  ${t.shape}`);
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A source shape as a regex over concrete texts ("This request is already {}." matches "… approved."). */
const shapeRegex = (shape: string) => new RegExp(`^${shape.split(HOLE).map(escapeRegex).join('[\\s\\S]*')}$`);

describe('the server catalog covers the code', () => {
  it('finds the server messages (the scan is not empty)', () => {
    expect(found.length).toBeGreaterThan(200);
    const shapes = found.map((t) => t.shape);
    // One of each way a message is written: fail(), a zod message, a template, a field message.
    expect(shapes).toContain('No such grant.');
    expect(shapes).toContain('Enter your current password.');
    expect(shapes).toContain('At most {} devices per person; revoke one you no longer use.');
    expect(shapes).toContain('Your policy does not name that router or list.');
    expect(shapes).toContain('Could not connect to the router ({}).');
  });

  it('has a Bulgarian entry for every English sentence (exact or pattern)', () => {
    expect(missing(found, catalog)).toEqual([]);
  });

  it('has no entry that the code no longer uses', () => {
    const shapes = new Set(found.map((t) => comparable(t.shape)));
    const regexes = found.filter((t) => t.shape.includes(HOLE)).map((t) => shapeRegex(t.shape));
    const quoted = (key: string) =>
      [...sources.values()].some((code) => code.includes(`'${key}'`) || code.includes(`"${key}"`));
    const stale = Object.keys(catalog).filter(
      (key) => !shapes.has(comparable(key)) && !regexes.some((r) => r.test(key)) && !quoted(key),
    );
    expect(stale).toEqual([]);
  });

  it('fails for a new message without a translation', () => {
    const code = `
      import { fail } from '../result';
      export function f(x: string) {
        if (!x) return fail('x_missing', 'A brand new sentence nobody translated.');
        const message = \`Only \${x} is new here; nobody translated it.\`;
        return fail('x_bad', 'No such grant.', { x: message });
      }
      export const schema = z.string().min(1, 'Type something new.');`;
    const texts = scanSource('lib/example/service.ts', code);
    expect(missing(texts, catalog).map((m) => m.replace(/^\S+\s+/, ''))).toEqual([
      'A brand new sentence nobody translated.',
      'Only {} is new here; nobody translated it.',
      'Type something new.',
    ]);
  });

  it('leaves out log lines, internal errors, metrics and SQL by their call shape', () => {
    const code = `
      log().info({ id }, 'the reconciler paused for a while');
      throw new Error('An internal failure nobody sees.');
      class E extends Error { constructor() { super('Another internal failure here.'); } }
      new Counter({ name: 'x', help: 'Grants opened and confirmed by the router' });
      await db.execute(sql\`select count(*) from grants where status = 'active'\`);
      throw new RouterConnectionError('This router is shown to people.');`;
    expect(scanSource('lib/example/worker.ts', code).map((t) => t.shape)).toEqual([
      'This router is shown to people.',
    ]);
  });

  it('excludes only what still exists', () => {
    for (const file of Object.keys(EXCLUDED_FILES))
      expect(fs.existsSync(path.join(root, file)), file).toBe(true);
    for (const [file, names] of Object.entries(EXCLUDED_FUNCTIONS)) {
      const code = fs.readFileSync(path.join(root, file), 'utf8');
      for (const name of Object.keys(names)) {
        expect(new RegExp(`(function|const) ${name}\\b`).test(code), `${file}: ${name}`).toBe(true);
      }
    }
    expect([...excludedSeen].sort()).toEqual(Object.keys(EXCLUDED_TEXTS).sort());
  });
});
