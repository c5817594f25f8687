/**
 * Test driver for the H1 parser: feed chunks (resuming after pauses), record what the handler
 * saw, and summarise it as plain data that can be compared across split points.
 */
import { H1Parser } from '../../../src/wire/h1/parser.js';
import type { H1Head, H1ParserOptions } from '../../../src/wire/h1/types.js';

export interface Msg {
  head: H1Head;
  body: string; // latin1
  trailers: string[] | null;
  complete: boolean;
}

export interface RunResult {
  messages: Msg[];
  error: { code: string; reason: string; offset: number } | null;
  /** Absolute offset where the new protocol starts, or -1. */
  upgradeAt: number;
  /** Bytes after the upgrade point, as handed back (latin1). */
  rest: string;
  pauses: number;
}

export interface RunOptions {
  skipBody?: boolean;
  /** Pause in this callback every time, then resume and go on. */
  pauseIn?: 'onHeadersComplete' | 'onBody' | 'onMessageComplete';
  finish?: boolean;
}

export function run(opts: H1ParserOptions, chunks: Buffer[], ro: RunOptions = {}): RunResult {
  const messages: Msg[] = [];
  let cur: Msg | null = null;
  let bodyParts: Buffer[] = [];
  let pauses = 0;
  // eslint-disable-next-line prefer-const
  let parser: H1Parser;
  const maybePause = (where: RunOptions['pauseIn']) => {
    if (ro.pauseIn === where) {
      parser.pause();
      pauses++;
    }
  };
  parser = new H1Parser(opts, {
    onHeadersComplete(head) {
      cur = { head, body: '', trailers: null, complete: false };
      bodyParts = [];
      messages.push(cur);
      maybePause('onHeadersComplete');
      return ro.skipBody ? 'skip-body' : undefined;
    },
    onBody(chunk) {
      bodyParts.push(Buffer.from(chunk));
      cur!.body = Buffer.concat(bodyParts).toString('latin1');
      maybePause('onBody');
    },
    onMessageComplete(trailers) {
      cur!.complete = true;
      cur!.trailers = trailers;
      maybePause('onMessageComplete');
    },
  });
  let abs = 0;
  let upgradeAt = -1;
  let rest = '';
  for (const chunk of chunks) {
    if (upgradeAt >= 0) {
      rest += chunk.toString('latin1');
      continue;
    }
    let off = 0;
    while (off < chunk.length) {
      const n = parser.execute(chunk.subarray(off));
      off += n;
      if (parser.error) break;
      if (parser.upgraded) {
        upgradeAt = abs + off;
        rest += chunk.subarray(off).toString('latin1');
        break;
      }
      if (parser.paused) {
        parser.resume();
        continue;
      }
      if (n === 0) throw new Error('parser made no progress without pause/error/upgrade');
    }
    abs += chunk.length;
    if (parser.error) break;
  }
  if (ro.finish && !parser.error) parser.finish();
  const e = parser.error;
  return {
    messages,
    error: e ? { code: e.code, reason: e.reason, offset: e.offset } : null,
    upgradeAt,
    rest,
    pauses,
  };
}

export const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Split `buf` into two chunks at `i`. */
export function split2(buf: Buffer, i: number): Buffer[] {
  return [buf.subarray(0, i), buf.subarray(i)];
}

/** One chunk per byte. */
export function bytewise(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i++) out.push(buf.subarray(i, i + 1));
  return out;
}

/** A comparable summary (no object identity, only what the wire says). */
export function summary(r: RunResult): unknown {
  return {
    error: r.error ? `${r.error.code}@${r.error.offset}` : null,
    upgradeAt: r.upgradeAt,
    rest: r.rest,
    messages: r.messages.map((m) => ({ ...m.head, body: m.body, trailers: m.trailers, complete: m.complete })),
  };
}
