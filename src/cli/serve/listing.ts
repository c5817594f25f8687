/**
 * The HTML directory listing of `trama serve`.
 *
 * Every name from the file system is untrusted text: it is HTML-escaped where shown and
 * percent-encoded (one segment each, {@link encodePath}) where linked, so a file named
 * `<img src=x onerror=alert(1)>` or `a"b.txt` or `?x#y` is shown and linked as itself.
 */
import { encodePath } from './safe-path.js';

/** One entry of a listed directory. */
export interface ListingEntry {
  readonly name: string;
  readonly isDirectory: boolean;
  readonly size: number;
  readonly mtimeMs: number;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escape text for HTML content and double- or single-quoted attributes.
 *
 * @example
 * escapeHtml('<a href="x">'); // '&lt;a href=&quot;x&quot;&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function humanSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(1)} GiB`;
}

/**
 * Render the listing of the directory at `segments` (decoded path segments from the root).
 * Directories first, then files, each group by name.
 *
 * @example
 * renderListing(['docs'], [{ name: 'a.txt', isDirectory: false, size: 3, mtimeMs: 0 }]);
 */
export function renderListing(segments: readonly string[], entries: readonly ListingEntry[]): string {
  const sorted = [...entries].sort((a, b) => (a.isDirectory === b.isDirectory ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.isDirectory ? -1 : 1));
  const title = escapeHtml('/' + segments.map((s) => s + '/').join(''));
  const rows: string[] = [];
  if (segments.length > 0) rows.push(`<tr><td><a href="${escapeHtml(encodePath(segments.slice(0, -1), true))}">../</a></td><td></td><td></td></tr>`);
  for (const e of sorted) {
    const href = encodePath([...segments, e.name], e.isDirectory);
    const label = escapeHtml(e.name) + (e.isDirectory ? '/' : '');
    const size = e.isDirectory ? '-' : humanSize(e.size);
    const when = new Date(e.mtimeMs).toISOString().replace('T', ' ').slice(0, 19);
    rows.push(`<tr><td><a href="${escapeHtml(href)}">${label}</a></td><td>${size}</td><td>${when}</td></tr>`);
  }
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>Index of ${title}</title>` +
    '<style>body{font:15px/1.5 system-ui,sans-serif;margin:2em}td{padding:0 1.5em 0 0}td:nth-child(2){text-align:right}</style>' +
    `</head><body><h1>Index of ${title}</h1><table>\n${rows.join('\n')}\n</table></body></html>\n`
  );
}
