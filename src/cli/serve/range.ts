/**
 * `Range: bytes=…` for `trama serve` (RFC 9110 §14).
 *
 * Decisions:
 * - A Range that does not parse, or names another unit, is ignored: the whole file goes out
 *   with 200 (§14.2: a server MAY ignore the Range header field).
 * - Ranges that cannot be satisfied are dropped; when none is left, the answer is 416 with
 *   `Content-Range: bytes *\/size` (§15.5.17).
 * - Overlapping or adjacent ranges are coalesced, in ascending order (§14.2 allows it, and it
 *   defuses the "many overlapping ranges" amplification attack).
 * - More than MAX_RANGES ranges: the Range is ignored (200), a bound on the work per request.
 */

/** A satisfiable byte range, both ends inclusive. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Bound on the ranges of one request; beyond it the Range header is ignored. */
export const MAX_RANGES = 32;

/** The outcome: ignore the header, answer 416, or serve these ranges (at least one). */
export type RangeResult = { readonly kind: 'ignore' } | { readonly kind: 'unsatisfiable' } | { readonly kind: 'ranges'; readonly ranges: ByteRange[] };

const DIGITS = /^\d+$/;

/**
 * Parse a Range header against a representation of `size` bytes.
 *
 * @example
 * parseRange('bytes=0-99', 1000); // { kind: 'ranges', ranges: [{ start: 0, end: 99 }] }
 * parseRange('bytes=-10', 1000); // { kind: 'ranges', ranges: [{ start: 990, end: 999 }] }
 * parseRange('bytes=2000-', 1000); // { kind: 'unsatisfiable' }
 */
export function parseRange(header: string, size: number, maxRanges: number = MAX_RANGES): RangeResult {
  const eq = header.indexOf('=');
  if (eq === -1 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'ignore' };
  const specs = header.slice(eq + 1).split(',');
  if (specs.length > maxRanges) return { kind: 'ignore' };
  const found: ByteRange[] = [];
  let sawSpec = false;
  for (const raw of specs) {
    const spec = raw.trim();
    if (spec === '') continue; // RFC 9110 §5.6.1: empty list elements are ignored.
    sawSpec = true;
    const dash = spec.indexOf('-');
    if (dash === -1) return { kind: 'ignore' };
    const a = spec.slice(0, dash);
    const b = spec.slice(dash + 1);
    if (a === '') {
      // suffix-range: the last N bytes.
      if (!DIGITS.test(b)) return { kind: 'ignore' };
      const n = Number(b);
      if (n === 0 || size === 0) continue;
      found.push({ start: Math.max(0, size - n), end: size - 1 });
      continue;
    }
    if (!DIGITS.test(a) || (b !== '' && !DIGITS.test(b))) return { kind: 'ignore' };
    const start = Number(a);
    const last = b === '' ? Infinity : Number(b);
    if (last < start) return { kind: 'ignore' }; // §14.1.1: an invalid range-spec.
    if (start >= size) continue;
    found.push({ start, end: Math.min(last, size - 1) });
  }
  if (!sawSpec) return { kind: 'ignore' };
  if (found.length === 0) return { kind: 'unsatisfiable' };
  return { kind: 'ranges', ranges: coalesce(found) };
}

function coalesce(ranges: ByteRange[]): ByteRange[] {
  if (ranges.length === 1) return ranges;
  const sorted = [...ranges].sort((x, y) => x.start - y.start);
  const out: ByteRange[] = [];
  let cur = sorted[0]!;
  for (let i = 1; i < sorted.length; i++) {
    const r = sorted[i]!;
    if (r.start <= cur.end + 1) cur = { start: cur.start, end: Math.max(cur.end, r.end) };
    else {
      out.push(cur);
      cur = r;
    }
  }
  out.push(cur);
  return out;
}
