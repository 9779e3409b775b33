/**
 * Runs every torture scenario (bench/torture-scenarios.ts) against every client implementation,
 * each in its own child process so a crash or a hang is contained and observed, and prints a
 * markdown table for docs/decisions.md.
 *
 *   npx tsx bench/torture-compare.ts            # all implementations and scenarios
 *   npx tsx bench/torture-compare.ts --only node-routeros
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Implementation, runScenario, scenarios } from './torture-scenarios';

const IMPLEMENTATIONS: Implementation[] = ['knockgate', 'node-routeros'];
const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '..');

interface Outcome {
  impl: Implementation;
  scenario: string;
  verdict: 'pass' | 'fail' | 'crash' | 'hang';
  detail: string;
  ms: number;
}

async function child(impl: Implementation, index: number): Promise<void> {
  const scenario = scenarios[index];
  if (!scenario) throw new Error(`no scenario ${index}`);
  const started = Date.now();
  let line: string;
  try {
    await runScenario(impl, scenario);
    line = JSON.stringify({ ok: true, ms: Date.now() - started });
  } catch (error) {
    line = JSON.stringify({
      ok: false,
      ms: Date.now() - started,
      error: String((error as Error)?.message ?? error),
    });
  }
  process.stdout.write(`RESULT ${line}\n`);
  // Stay a moment: a library that throws from a late socket event crashes after its promise settled.
  setTimeout(() => process.exit(0), 500);
}

function runChild(impl: Implementation, index: number): Promise<Outcome> {
  const scenario = scenarios[index] as (typeof scenarios)[number];
  const started = Date.now();
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', self, '--child', impl, String(index)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    let hung = false;
    const killer = setTimeout(() => {
      hung = true;
      proc.kill('SIGKILL');
    }, scenario.budgetMs + 10_000);
    proc.on('close', (code) => {
      clearTimeout(killer);
      const ms = Date.now() - started;
      const result = /RESULT (.*)/.exec(stdout)?.[1];
      const parsed = result ? (JSON.parse(result) as { ok: boolean; ms: number; error?: string }) : null;
      const crashLine =
        stderr
          .split('\n')
          .find((l) => /Error|error:|throw/.test(l))
          ?.trim() ?? `exit code ${code}`;
      if (hung)
        resolve({ impl, scenario: scenario.name, verdict: 'hang', detail: 'killed after the budget', ms });
      else if (code !== 0)
        resolve({ impl, scenario: scenario.name, verdict: 'crash', detail: crashLine.slice(0, 160), ms });
      else if (parsed?.ok)
        resolve({ impl, scenario: scenario.name, verdict: 'pass', detail: '', ms: parsed.ms });
      else
        resolve({
          impl,
          scenario: scenario.name,
          verdict: 'fail',
          detail: (parsed?.error ?? 'no result').slice(0, 160),
          ms,
        });
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    await child(args[1] as Implementation, Number(args[2]));
    return;
  }
  const only = args[0] === '--only' ? (args[1] as Implementation) : null;
  const outcomes: Outcome[] = [];
  for (const impl of IMPLEMENTATIONS.filter((i) => only === null || i === only)) {
    for (let i = 0; i < scenarios.length; i += 1) {
      const outcome = await runChild(impl, i);
      outcomes.push(outcome);
      process.stderr.write(
        `${impl.padEnd(14)} ${outcome.verdict.padEnd(6)} ${outcome.scenario} ${outcome.detail}\n`,
      );
    }
  }
  const impls = [...new Set(outcomes.map((o) => o.impl))];
  const lines = [`| scenario | ${impls.join(' | ')} |`, `|---|${impls.map(() => '---').join('|')}|`];
  for (const scenario of scenarios) {
    const cells = impls.map((impl) => {
      const o = outcomes.find((x) => x.impl === impl && x.scenario === scenario.name);
      if (!o) return '';
      const text =
        o.verdict === 'pass'
          ? `pass (${o.ms} ms)`
          : `**${o.verdict}**${o.detail ? `: ${o.detail.replace(/\|/g, '\\|')}` : ''}`;
      return text;
    });
    lines.push(`| ${scenario.name} | ${cells.join(' | ')} |`);
  }
  const table = lines.join('\n');
  process.stdout.write(`${table}\n`);
  mkdirSync(path.join(root, 'bench/out'), { recursive: true });
  writeFileSync(path.join(root, 'bench/out/torture-compare.json'), JSON.stringify(outcomes, null, 2));
}

main().catch((error) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
