/**
 * Test helpers: run a scheduler the way the connection engine does and write down the service
 * order as a string ("A,A,A,B"), in the manner of h2o's scheduler tests.
 */
import type { H2Scheduler } from '../../../../src/wire/h2/priority/index.js';

/** Client stream ids with one-letter names: A = 1, B = 3, C = 5, … */
export const A = 1;
export const B = 3;
export const C = 5;
export const D = 7;
export const E = 9;
export const F = 11;
export const G = 13;

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** 1 → "A", 3 → "B", …; even ids and ids past Z print as numbers. */
export function name(id: number): string {
  return id % 2 === 1 && id < 2 * LETTERS.length ? (LETTERS[(id - 1) / 2] as string) : String(id);
}

export interface ServeOptions {
  /** DATA bytes per frame: a number or a function of the stream id. Default 16384. */
  bytes?: number | ((id: number) => number);
  /** Frames each stream has left; when one reaches 0 the stream is set unready. */
  frames?: Map<number, number>;
}

/**
 * Pop up to `count` frames, charging each, and return the names in service order joined by ",".
 * Stops early when nothing is ready.
 */
export function serve(s: H2Scheduler, count: number, options: ServeOptions = {}): string {
  const out: string[] = [];
  const { bytes = 16384, frames } = options;
  for (let k = 0; k < count; k++) {
    const id = s.pop();
    if (id === 0) break;
    out.push(name(id));
    s.charge(id, typeof bytes === 'number' ? bytes : bytes(id));
    if (frames !== undefined) {
      const left = (frames.get(id) ?? 1) - 1;
      frames.set(id, left);
      if (left <= 0) s.setReady(id, false);
    }
  }
  return out.join(',');
}

/** How many of `count` frames each stream got, as "A:3,B:1" in id order. */
export function shares(s: H2Scheduler, count: number, options: ServeOptions = {}): string {
  const tally = new Map<number, number>();
  for (const n of serve(s, count, options).split(',')) {
    if (n === '') continue;
    const id = /^[A-Z]$/.test(n) ? LETTERS.indexOf(n) * 2 + 1 : Number(n);
    tally.set(id, (tally.get(id) ?? 0) + 1);
  }
  return [...tally].sort((x, y) => x[0] - y[0]).map(([id, c]) => `${name(id)}:${c}`).join(',');
}

/** Mark every listed stream ready. */
export function ready(s: H2Scheduler, ...ids: number[]): void {
  for (const id of ids) s.setReady(id, true);
}
