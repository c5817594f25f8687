/**
 * Validators and conditional requests for `trama serve` (RFC 9110 §8.8, §13).
 *
 * Decisions:
 * - The ETag is weak, `W/"<size hex>-<mtime ms hex>"`: it changes when the file changes, costs no
 *   read of the content, and stays the same whether the body goes out identity, gzip or brotli
 *   (a weak validator only claims semantic equivalence, which a content-coding preserves).
 * - Consequence, per the RFC: `If-Match` and `If-Range` use the STRONG comparison (§13.1.1,
 *   §13.1.5), which a weak tag never passes, so `If-Match: <our etag>` fails with 412 and
 *   `If-Range: <our etag>` sends the whole file; `If-Match: *` and `If-Range: <date>` work.
 * - Dates: all three HTTP-date forms are accepted (§5.6.7 says recipients MUST), compared at
 *   one-second resolution; an invalid date makes its header ignored (§13.1.3, §13.1.4).
 * - Evaluation order is §13.2.2's: If-Match, If-Unmodified-Since, If-None-Match,
 *   If-Modified-Since, then If-Range with the Range.
 */

/** What the server knows about the selected representation. */
export interface Validators {
  readonly etag: string;
  /** Modification time, whole seconds since the epoch. */
  readonly lastModified: number;
}

/** The outcome of the preconditions: carry on, or answer 304 / 412 at once. */
export type Precondition = 'proceed' | 304 | 412;

/**
 * The weak ETag for a file of `size` bytes modified at `mtimeMs`.
 *
 * @example
 * weakEtag(1234, 1700000000000); // 'W/"4d2-18bcfe56800"'
 */
export function weakEtag(size: number, mtimeMs: number): string {
  return `W/"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC850_DATE = /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/**
 * Parse an HTTP-date (IMF-fixdate, obsolete RFC 850 or asctime form) to whole seconds since
 * the epoch, or `undefined` when it is not one.
 *
 * @example
 * parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'); // 784111777
 */
export function parseHttpDate(value: string): number | undefined {
  const v = value.trim();
  // Fields in one order for all three forms: day, month, year, hour, minute, second.
  let f: [string, string, number, string, string, string];
  let m = IMF_FIXDATE.exec(v);
  if (m !== null) {
    f = [m[1]!, m[2]!, Number(m[3]), m[4]!, m[5]!, m[6]!];
  } else if ((m = RFC850_DATE.exec(v)) !== null) {
    // RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is in the past century.
    let year = 2000 + Number(m[3]);
    if (year > new Date().getUTCFullYear() + 50) year -= 100;
    f = [m[1]!, m[2]!, year, m[4]!, m[5]!, m[6]!];
  } else if ((m = ASCTIME_DATE.exec(v)) !== null) {
    f = [m[2]!.trim(), m[1]!, Number(m[6]), m[3]!, m[4]!, m[5]!];
  } else {
    return undefined;
  }
  const [day, mon, year, h, mi, s] = f;
  const month = MONTHS[mon];
  if (month === undefined) return undefined;
  const t = Date.UTC(year, month, Number(day), Number(h), Number(mi), Number(s));
  const check = new Date(t);
  // Reject impossible dates (Feb 30) that Date.UTC would roll over.
  if (check.getUTCDate() !== Number(day) || check.getUTCMonth() !== month || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return undefined;
  return Math.floor(t / 1000);
}

/**
 * Format whole seconds since the epoch as an IMF-fixdate.
 *
 * @example
 * formatHttpDate(784111777); // 'Sun, 06 Nov 1994 08:49:37 GMT'
 */
export function formatHttpDate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString();
}

/** One entity-tag of a list: its opaque part (with quotes) and whether it was weak. */
interface EntityTag {
  readonly weak: boolean;
  readonly opaque: string;
}

/** Parse `#entity-tag` (or `*`, returned as `'*'`); malformed members are skipped. */
function parseEtagList(value: string): EntityTag[] | '*' {
  if (value.trim() === '*') return '*';
  const out: EntityTag[] = [];
  let i = 0;
  const n = value.length;
  while (i < n) {
    while (i < n && (value[i] === ' ' || value[i] === '\t' || value[i] === ',')) i++;
    if (i >= n) break;
    let weak = false;
    if (value.startsWith('W/', i)) {
      weak = true;
      i += 2;
    }
    if (value[i] !== '"') {
      // Not an entity-tag: skip to the next comma.
      while (i < n && value[i] !== ',') i++;
      continue;
    }
    const end = value.indexOf('"', i + 1);
    if (end === -1) break;
    out.push({ weak, opaque: value.slice(i, end + 1) });
    i = end + 1;
  }
  return out;
}

function splitTag(etag: string): EntityTag {
  return etag.startsWith('W/') ? { weak: true, opaque: etag.slice(2) } : { weak: false, opaque: etag };
}

/** RFC 9110 §8.8.3.2: strong comparison — both strong and the same opaque tag. */
function strongMatch(list: EntityTag[] | '*', etag: string): boolean {
  if (list === '*') return true;
  const ours = splitTag(etag);
  return !ours.weak && list.some((t) => !t.weak && t.opaque === ours.opaque);
}

/** RFC 9110 §8.8.3.2: weak comparison — same opaque tag, weakness ignored. */
function weakMatch(list: EntityTag[] | '*', etag: string): boolean {
  if (list === '*') return true;
  const ours = splitTag(etag).opaque;
  return list.some((t) => t.opaque === ours);
}

/** Request fields the preconditions read (lower-case names, as node gives them). */
export interface ConditionalHeaders {
  readonly 'if-match'?: string | undefined;
  readonly 'if-none-match'?: string | undefined;
  readonly 'if-modified-since'?: string | undefined;
  readonly 'if-unmodified-since'?: string | undefined;
  readonly 'if-range'?: string | undefined;
}

/**
 * Evaluate the preconditions of a request on an existing file (RFC 9110 §13.2.2).
 *
 * @example
 * evaluatePreconditions('GET', { 'if-none-match': 'W/"4-1"' }, { etag: 'W/"4-1"', lastModified: 0 }); // 304
 */
export function evaluatePreconditions(method: string, h: ConditionalHeaders, v: Validators): Precondition {
  const getOrHead = method === 'GET' || method === 'HEAD';
  // Step 1 (§13.1.1): If-Match, strong comparison.
  if (h['if-match'] !== undefined) {
    if (!strongMatch(parseEtagList(h['if-match']), v.etag)) return 412;
  } else if (h['if-unmodified-since'] !== undefined) {
    // Step 2 (§13.1.4): only without If-Match; an invalid date is ignored.
    const since = parseHttpDate(h['if-unmodified-since']);
    if (since !== undefined && v.lastModified > since) return 412;
  }
  // Step 3 (§13.1.2): If-None-Match, weak comparison; true → 304 for GET/HEAD, else 412.
  if (h['if-none-match'] !== undefined) {
    if (weakMatch(parseEtagList(h['if-none-match']), v.etag)) return getOrHead ? 304 : 412;
  } else if (getOrHead && h['if-modified-since'] !== undefined) {
    // Step 4 (§13.1.3): only for GET/HEAD without If-None-Match.
    const since = parseHttpDate(h['if-modified-since']);
    if (since !== undefined && v.lastModified <= since) return 304;
  }
  return 'proceed';
}

/**
 * RFC 9110 §13.1.5: whether a Range may be honoured given If-Range. Absent → yes. A date must
 * equal Last-Modified exactly; an entity-tag must match strongly (so our weak tags never do).
 *
 * @example
 * rangeAllowed(undefined, v); // true
 */
export function rangeAllowed(ifRange: string | undefined, v: Validators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/"')) {
    const tags = parseEtagList(value);
    return tags !== '*' && tags.length === 1 && strongMatch(tags, v.etag);
  }
  const date = parseHttpDate(value);
  return date !== undefined && date === v.lastModified;
}
