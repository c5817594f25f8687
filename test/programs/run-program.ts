// Runs a program fixture (test/programs/fixtures/*) in a child process, under plain node or with
// trama switched in, and compares each scenario's result with node:http's (the oracle).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.js';

export const FIXTURES = join(REPO_ROOT, 'test', 'programs', 'fixtures');

/**
 * How trama comes in: not at all (`node`, the oracle), `node -r trama/register`,
 * `node --import trama/register`, or passed directly by the fixture (`trama.createServer(…)`,
 * TRAMA_FIXTURE_MODE=direct).
 */
export type Mode = 'node' | 'register' | 'import' | 'direct';

/**
 * A child that has not reported after this long is stuck (a hang: a fixture run takes seconds,
 * about a minute at worst on a machine loaded far beyond its cores); it is killed and the test
 * fails naming the scenario it was in. Below the runner's 120 s timeout for a whole file (so a
 * file runs few children: one program, two modes at most).
 */
export const FIXTURE_DEADLINE_MS = 110_000;
/** The same for a scenario marked todo because it hangs today: its failure is expected. */
export const TODO_FIXTURE_DEADLINE_MS = 10_000;

export type Report = Record<string, unknown>;

export function runFixture(fixture: string, args: string[], mode: Mode, opts: { only?: string[]; skip?: string[]; deadlineMs?: number } = {}): Promise<Report> {
  const flags = mode === 'register' ? ['-r', 'trama/register'] : mode === 'import' ? ['--import', 'trama/register'] : [];
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', TRAMA_FIXTURE_TRACE: '1', TRAMA_FIXTURE_MODE: mode };
  if (opts.only) env.TRAMA_FIXTURE_ONLY = opts.only.join(',');
  if (opts.skip) env.TRAMA_FIXTURE_SKIP = opts.skip.join(',');
  delete env.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, join(FIXTURES, fixture), ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const deadline = setTimeout(() => child.kill('SIGKILL'), opts.deadlineMs ?? FIXTURE_DEADLINE_MS);
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      const trace = err.trim().split('\n');
      if (code !== 0 || out.trim() === '') {
        const last = trace.filter((l) => l.startsWith('scenario ')).pop() ?? '(before any scenario)';
        reject(new Error(`${fixture} ${args.join(' ')} [${mode}] ${signal ? `killed (stuck in ${last})` : `exited ${code}`}\n${err.slice(-3000)}`));
        return;
      }
      try {
        resolve(JSON.parse(out) as Report);
      } catch (e) {
        reject(new Error(`${fixture} [${mode}]: unreadable report ${out.slice(0, 500)}`, { cause: e }));
      }
    });
  });
}

// Each mode costs a child process per program; every way of switching is proven on its own in
// register.test.ts, so a CommonJS program runs under -r and an ES module program under --import.

export interface ProgramCase {
  /** Test name prefix. */
  title: string;
  fixture: string;
  args?: string[];
  /** How trama comes in for the compared run(s). */
  modes: Mode[];
  /** Scenario names the fixture reports (besides `impl`). */
  scenarios: string[];
  /**
   * Scenario → written reason it fails today because of another lane's item
   * (`lane h1conn: …`): the comparison is committed as a todo, for the integrator to flip.
   */
  todo?: Record<string, string>;
  /**
   * Scenarios that hang today: run each in its own child, so the others still report (while
   * marked todo, only under the first mode: a hang costs its deadline).
   */
  isolated?: string[];
}

/**
 * One test per mode and scenario: trama's result equals node:http's; and the run really used
 * trama's server (the fixture reports which Server class its server is).
 */
export function compareProgram(c: ProgramCase): void {
  const args = c.args ?? [];
  const isolated = new Set(c.isolated ?? []);
  const shared = c.scenarios.filter((s) => !isolated.has(s));
  const oracle = runFixture(c.fixture, args, 'node');
  oracle.catch(() => {}); // reported by each test that awaits it
  for (const mode of c.modes) {
    const trama = runFixture(c.fixture, args, mode, { skip: [...isolated] });
    trama.catch(() => {});
    test(`${c.title} [${mode}]: the server is trama's`, async () => {
      assert.equal((await trama).impl, 'trama');
      assert.equal((await oracle).impl, 'node');
    });
    for (const name of shared) {
      test(`${c.title} [${mode}]: ${name} as node:http`, { todo: c.todo?.[name] }, async () => {
        assert.deepEqual((await trama)[name], (await oracle)[name]);
      });
    }
    for (const name of isolated) {
      if (c.todo?.[name] && mode !== c.modes[0]) continue;
      // Started now, with the others: a file's tests share the runner's 120 s, and a hang costs
      // its whole deadline.
      const deadlineMs = c.todo?.[name] ? TODO_FIXTURE_DEADLINE_MS : FIXTURE_DEADLINE_MS;
      const runs = Promise.all([runFixture(c.fixture, args, mode, { only: [name], deadlineMs }), runFixture(c.fixture, args, 'node', { only: [name] })]);
      runs.catch(() => {});
      test(`${c.title} [${mode}]: ${name} as node:http`, { todo: c.todo?.[name] }, async () => {
        const [mine, theirs] = await runs;
        assert.deepEqual(mine[name], theirs[name]);
      });
    }
  }
}
