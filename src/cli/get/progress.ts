/**
 * The progress bar `trama get -o FILE` draws on stderr when stderr is a terminal:
 *
 *     [##########..........]  50%   1.2 MiB / 2.4 MiB   3.1 MiB/s
 *
 * Without a known length (chunked, read-until-close) it shows the bytes and the rate only.
 * Redrawn at most every PROGRESS_INTERVAL_MS with `\r`, so a fast download costs a few writes.
 */

/** Least time between two redraws. */
export const PROGRESS_INTERVAL_MS = 100;

/** One progress state. */
export interface ProgressState {
  readonly received: number;
  /** Expected body length, if the response said (Content-Length). */
  readonly total: number | undefined;
  readonly elapsedMs: number;
  /** Terminal width in columns. */
  readonly columns: number;
}

/**
 * Human-readable bytes: `999 B`, `1.5 KiB`, `3.0 MiB`.
 *
 * @example
 * formatBytes(1536); // '1.5 KiB'
 */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/**
 * Render one line of the progress bar (no `\r`, no newline), at most `columns - 1` wide.
 *
 * @example
 * renderProgress({ received: 512, total: 1024, elapsedMs: 1000, columns: 80 });
 * // '[####################....................]  50%  512 B / 1.0 KiB  512 B/s'
 */
export function renderProgress(s: ProgressState): string {
  const rate = s.elapsedMs > 0 ? (s.received * 1000) / s.elapsedMs : 0;
  const rateText = `${formatBytes(Math.round(rate))}/s`;
  if (s.total === undefined || s.total <= 0) {
    return `${formatBytes(s.received)}  ${rateText}`.slice(0, Math.max(0, s.columns - 1));
  }
  const fraction = Math.min(1, s.received / s.total);
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  const tail = `${pct}  ${formatBytes(s.received)} / ${formatBytes(s.total)}  ${rateText}`;
  const barWidth = Math.max(0, Math.min(40, s.columns - 1 - tail.length - 3));
  if (barWidth < 5) return tail.slice(0, Math.max(0, s.columns - 1));
  const filled = Math.round(fraction * barWidth);
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${tail}`;
}

/**
 * A throttled progress bar over a writable terminal.
 *
 * @example
 * const bar = new ProgressBar(process.stderr, () => process.stderr.columns, total);
 * res.on('data', (c) => bar.add(c.length));
 * res.on('end', () => bar.finish());
 */
export class ProgressBar {
  readonly #out: { write(s: string): unknown };
  readonly #columns: () => number;
  readonly #start = Date.now();
  #last = 0;
  #total: number | undefined;
  #received = 0;
  #drawn = false;

  constructor(out: { write(s: string): unknown }, columns: () => number, total: number | undefined) {
    this.#out = out;
    this.#columns = columns;
    this.#total = total;
  }

  /** Count `n` more bytes; redraws when the interval has passed. */
  add(n: number): void {
    this.#received += n;
    const now = Date.now();
    if (now - this.#last >= PROGRESS_INTERVAL_MS) {
      this.#last = now;
      this.#draw(now);
    }
  }

  /** Draw the final state and end the line. */
  finish(): void {
    this.#draw(Date.now());
    if (this.#drawn) this.#out.write('\n');
  }

  #draw(now: number): void {
    this.#drawn = true;
    const line = renderProgress({ received: this.#received, total: this.#total, elapsedMs: now - this.#start, columns: this.#columns() });
    // \x1b[K clears what a longer previous line left behind.
    this.#out.write(`\r${line}\x1b[K`);
  }
}
