/**
 * The shape every fuzz target shares: a campaign is a set of fast-check properties run either a
 * fixed number of times from a fixed seed (the CI tests in `test/fuzz/*.test.ts`) or for a time
 * budget from a random seed (`node scripts/fuzz.mjs <target> --seconds N`).
 *
 * A failure is reported with fast-check's own message (seed, path, shrunk counterexample), so a
 * finding from a long run replays with `--seed S --path P`.
 */
import fc from 'fast-check';

export interface CampaignOptions {
  seed: number;
  /** Runs per property (CI). Ignored when `timeLimitMs` is set. */
  numRuns: number;
  /** Long runs: each property gets this much wall time (its share of `--seconds`). */
  timeLimitMs?: number;
  /** Replay one counterexample of a failed long run (fast-check's `path`). */
  path?: string;
  /** Verbose progress to stderr (long runs). */
  log?: (line: string) => void;
}

export interface PropertyReport {
  name: string;
  runs: number;
  failed: boolean;
  /** fast-check's report (seed, path, counterexample) when failed. */
  message: string;
  ms: number;
  /** Target-specific counters (verdict classes, …). */
  stats: Record<string, number>;
}

/** A counter bag a property fills while it runs. */
export type Stats = Record<string, number>;

export function bump(stats: Stats, key: string, by = 1): void {
  stats[key] = (stats[key] ?? 0) + by;
}

/**
 * Run one property under the campaign options and report (never throws for a property failure:
 * the caller decides).
 */
export function runProperty<T>(
  name: string,
  opts: CampaignOptions,
  arb: fc.Arbitrary<T>,
  predicate: (value: T, stats: Stats) => void,
  share = 1,
): PropertyReport {
  const stats: Stats = {};
  const t0 = performance.now();
  // No shrinking: the generators map structure to bytes, which fast-check cannot shrink through;
  // targets minimise a finding themselves (support/minimize.ts) before reporting it.
  const params: fc.Parameters<[T]> = { seed: opts.seed, endOnFailure: true };
  if (opts.timeLimitMs !== undefined) {
    params.numRuns = Number.MAX_SAFE_INTEGER;
    params.interruptAfterTimeLimit = Math.max(50, Math.round(opts.timeLimitMs * share));
    params.markInterruptAsFailure = false;
  } else {
    params.numRuns = Math.max(1, Math.round(opts.numRuns * share));
  }
  if (opts.path !== undefined) params.path = opts.path;
  const details = fc.check(
    fc.property(arb, (v) => {
      predicate(v, stats);
    }),
    params,
  );
  const ms = performance.now() - t0;
  let message = '';
  if (details.failed) {
    const err = details.errorInstance;
    message = `${fc.defaultReportMessage(details) ?? 'failed'}\n${err instanceof Error ? err.message : String(err)}`;
  }
  opts.log?.(`${name}: ${details.numRuns} runs in ${(ms / 1000).toFixed(1)} s${details.failed ? ' FAILED' : ''}`);
  return { name, runs: details.numRuns, failed: details.failed, message, ms, stats };
}

/** Throw (for node:test) if any property of a campaign failed. */
export function assertCampaign(reports: PropertyReport[]): void {
  const bad = reports.filter((r) => r.failed);
  if (bad.length > 0) throw new Error(bad.map((r) => `${r.name}\n${r.message}`).join('\n\n'));
}

/** Printable latin1 for reports: control bytes and obs-text escaped. */
export function show(buf: Buffer | string): string {
  const s = typeof buf === 'string' ? buf : buf.toString('latin1');
  return JSON.stringify(s).replace(/[\u007f-\u00ff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Cut `input` (bytes or text) into pieces at the given positions, each taken modulo its length
 * (fast-check gives raw naturals); duplicates and 0 are dropped, so pieces are never empty.
 */
export function splitAt<T extends Buffer | string>(input: T, cuts: number[]): T[] {
  const n = input.length;
  const at = [...new Set(cuts.map((c) => (n === 0 ? 0 : c % n)))].sort((a, b) => a - b);
  const piece = (a: number, b: number): T => (typeof input === 'string' ? input.slice(a, b) : input.subarray(a, b)) as T;
  const out: T[] = [];
  let prev = 0;
  for (const a of at) {
    if (a <= prev) continue;
    out.push(piece(prev, a));
    prev = a;
  }
  out.push(piece(prev, n));
  return out;
}
