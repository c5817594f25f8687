/**
 * The access log of `trama serve`: one line per request, in the Combined Log Format with the
 * response time appended:
 *
 *     127.0.0.1 - - [24/Nov/2026:03:23:23 +0000] "GET /a.css HTTP/1.1" 200 1234 "-" "curl/7.88.1" 0.8ms
 *
 * The request line, referer and user agent come from the peer: every byte outside printable
 * ASCII, and `"` and `\`, is written as `\xHH`, so a request can never forge a log line.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));

/**
 * The CLF timestamp (UTC): `24/Nov/2026:03:23:23 +0000`.
 *
 * @example
 * clfDate(new Date(0)); // '01/Jan/1970:00:00:00 +0000'
 */
export function clfDate(d: Date): string {
  return `${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`;
}

/**
 * Make peer text safe for one log field.
 *
 * @example
 * escapeLogField('a"b\r\nc'); // 'a\\x22b\\x0d\\x0ac'
 */
export function escapeLogField(s: string): string {
  return s.replace(/[^\x20-\x7e]|["\\]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? '\\x' + code.toString(16).padStart(2, '0') : '\\u' + code.toString(16).padStart(4, '0');
  });
}

/** What one log line says. */
export interface AccessRecord {
  readonly remoteAddress: string | undefined;
  readonly time: Date;
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly status: number;
  readonly bytes: number;
  readonly referer: string | undefined;
  readonly userAgent: string | undefined;
  readonly durationMs: number;
}

/**
 * Format one access-log line (without the newline).
 *
 * @example
 * formatAccessLine({ remoteAddress: '127.0.0.1', time: new Date(0), method: 'GET', url: '/', httpVersion: '1.1',
 *   status: 200, bytes: 5, referer: undefined, userAgent: 'curl', durationMs: 1.25 });
 * // '127.0.0.1 - - [01/Jan/1970:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl" 1.3ms'
 */
export function formatAccessLine(r: AccessRecord): string {
  const q = (v: string | undefined): string => (v === undefined || v === '' ? '"-"' : `"${escapeLogField(v)}"`);
  const request = escapeLogField(`${r.method} ${r.url} HTTP/${r.httpVersion}`);
  const bytes = r.bytes === 0 ? '-' : String(r.bytes);
  return `${escapeLogField(r.remoteAddress ?? '-')} - - [${clfDate(r.time)}] "${request}" ${r.status} ${bytes} ${q(r.referer)} ${q(r.userAgent)} ${r.durationMs.toFixed(1)}ms`;
}
