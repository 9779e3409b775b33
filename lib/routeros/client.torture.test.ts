/**
 * Torture suite of the client Knockgate ships, against the simulator. The same scenarios run against
 * node-routeros in bench/torture-compare.ts (child process per scenario); the table of both is in
 * docs/decisions.md. Each call is watched: not settling by its deadline fails the scenario, and any
 * uncaught exception or unhandled rejection fails the run.
 */
import { describe, expect, it } from 'vitest';
import { runScenario, scenarios } from '@/bench/torture-scenarios';

describe('RouterOSClient torture suite', () => {
  it('covers every scenario the issue lists', () => {
    const names = scenarios.map((s) => s.name);
    for (const required of [
      'byte-split replies',
      '!empty (7.18+)',
      'idle longer than the timeout',
      '!fatal at login',
      'router reboot mid-command',
      'TLS (API-SSL, 8729-style port)',
      '10,000-entry print',
      '1,000 concurrent tagged commands',
    ]) {
      expect(names).toContain(required);
    }
  });

  for (const scenario of scenarios) {
    it(scenario.name, { timeout: scenario.budgetMs }, async () => {
      await expect(runScenario('knockgate', scenario)).resolves.toBeUndefined();
    });
  }
});
