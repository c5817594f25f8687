/**
 * The built-in content-type table of `trama serve`: file extension → media type, and which
 * types are worth compressing on the fly.
 *
 * Decisions: text types carry `charset=utf-8` (the demo and most source trees are UTF-8);
 * an unknown extension is `application/octet-stream` (RFC 9110 §8.3: a sender that does not
 * know the type may omit it, but browsers sniff, and a download is the safe default); images,
 * audio, video, fonts in WOFF/WOFF2 and archives are already compressed and never re-encoded.
 */
import { extname } from 'node:path';

const UTF8 = '; charset=utf-8';

/** Extension (lower case, without the dot) → media type. */
export const CONTENT_TYPES: ReadonlyMap<string, string> = new Map([
  ['html', 'text/html' + UTF8],
  ['htm', 'text/html' + UTF8],
  ['css', 'text/css' + UTF8],
  ['js', 'text/javascript' + UTF8],
  ['mjs', 'text/javascript' + UTF8],
  ['cjs', 'text/javascript' + UTF8],
  ['json', 'application/json' + UTF8],
  ['map', 'application/json' + UTF8],
  ['webmanifest', 'application/manifest+json' + UTF8],
  ['txt', 'text/plain' + UTF8],
  ['text', 'text/plain' + UTF8],
  ['md', 'text/markdown' + UTF8],
  ['csv', 'text/csv' + UTF8],
  ['xml', 'application/xml' + UTF8],
  ['svg', 'image/svg+xml' + UTF8],
  ['ts', 'text/plain' + UTF8],
  ['wasm', 'application/wasm'],
  ['png', 'image/png'],
  ['jpg', 'image/jpeg'],
  ['jpeg', 'image/jpeg'],
  ['gif', 'image/gif'],
  ['webp', 'image/webp'],
  ['avif', 'image/avif'],
  ['ico', 'image/vnd.microsoft.icon'],
  ['bmp', 'image/bmp'],
  ['woff', 'font/woff'],
  ['woff2', 'font/woff2'],
  ['ttf', 'font/ttf'],
  ['otf', 'font/otf'],
  ['mp3', 'audio/mpeg'],
  ['ogg', 'audio/ogg'],
  ['wav', 'audio/wav'],
  ['mp4', 'video/mp4'],
  ['webm', 'video/webm'],
  ['pdf', 'application/pdf'],
  ['zip', 'application/zip'],
  ['gz', 'application/gzip'],
  ['tgz', 'application/gzip'],
  ['br', 'application/octet-stream'],
  ['tar', 'application/x-tar'],
]);

/** The media type for an unknown extension. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** Media types (without parameters) that compress well besides `text/*`. */
const COMPRESSIBLE: ReadonlySet<string> = new Set([
  'application/javascript',
  'application/json',
  'application/manifest+json',
  'application/xml',
  'application/wasm',
  'image/svg+xml',
  'image/bmp',
  'image/vnd.microsoft.icon',
  'font/ttf',
  'font/otf',
  'application/x-tar',
]);

/**
 * The media type for a file name.
 *
 * @example
 * contentTypeFor('app.CSS'); // 'text/css; charset=utf-8'
 */
export function contentTypeFor(fileName: string): string {
  const ext = extname(fileName).slice(1).toLowerCase();
  return CONTENT_TYPES.get(ext) ?? DEFAULT_CONTENT_TYPE;
}

/**
 * Whether a response of this media type is worth gzip/brotli on the fly.
 *
 * @example
 * isCompressible('text/html; charset=utf-8'); // true
 * isCompressible('image/png'); // false
 */
export function isCompressible(contentType: string): boolean {
  const semi = contentType.indexOf(';');
  const essence = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return essence.startsWith('text/') || COMPRESSIBLE.has(essence);
}
