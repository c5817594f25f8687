/**
 * From a request target to a path inside the served root, or a refusal. No escape from the root.
 *
 * The target is split on `/` BEFORE percent-decoding, then each segment is decoded on its own,
 * so an encoded slash (`%2f`) can never create a new segment. A decoded segment is refused
 * (403) when it is `.` or `..` (also spelled `%2e%2e`), or holds `/`, `\` (Windows separator,
 * and a trick against naive checks) or NUL. Invalid percent-encoding is a 400. Empty segments
 * (`a//b`) are dropped, so `//host` can never become a protocol-relative redirect target.
 * A segment starting with `.` is a dotfile: hidden (404) unless `dotfiles` is set.
 *
 * Symlinks are checked later, against the real path (see file-handler.ts), because only the
 * file system knows where a link points.
 */

/** Why a target was refused. */
export type PathRefusal = { readonly status: 400 | 403 | 404; readonly reason: string };

/** An accepted target: decoded segments, the raw query, and whether it ended with `/`. */
export interface SafePath {
  readonly segments: readonly string[];
  readonly trailingSlash: boolean;
  /** The query including its leading `?`, or ''. */
  readonly query: string;
}

/** The longest request target `serve` looks at; longer ones are a 414 from the server or a 400 here. */
export const MAX_TARGET_LENGTH = 8192;

/**
 * Check and decode a request target (`req.url`).
 *
 * @example
 * resolveTarget('/a/b%20c.txt?x=1', false); // { segments: ['a', 'b c.txt'], trailingSlash: false, query: '?x=1' }
 * resolveTarget('/%2e%2e/etc/passwd', false); // { status: 403, reason: 'dot segment' }
 */
export function resolveTarget(target: string, dotfiles: boolean, maxLength: number = MAX_TARGET_LENGTH): SafePath | PathRefusal {
  if (target.length > maxLength) return { status: 400, reason: 'target too long' };
  let path = target;
  // Absolute-form (RFC 9112 §3.2.2) is legal in a request to a server; keep its path only.
  if (!path.startsWith('/')) {
    const m = /^https?:\/\/[^/?#]*/i.exec(path);
    if (m === null) return { status: 400, reason: 'not an origin-form target' };
    path = path.slice(m[0].length) || '/';
    if (!path.startsWith('/')) path = '/' + path;
  }
  let query = '';
  const q = path.indexOf('?');
  if (q !== -1) {
    query = path.slice(q);
    path = path.slice(0, q);
  }
  // A fragment never travels in a request; its `#` would be a malformed target.
  if (path.includes('#')) return { status: 400, reason: 'fragment in target' };
  const raw = path.split('/');
  const segments: string[] = [];
  for (let i = 1; i < raw.length; i++) {
    const r = raw[i]!;
    if (r === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(r);
    } catch {
      return { status: 400, reason: 'bad percent-encoding' };
    }
    if (seg === '.' || seg === '..') return { status: 403, reason: 'dot segment' };
    if (seg.includes('/') || seg.includes('\\') || seg.includes('\0')) return { status: 403, reason: 'separator or NUL in a segment' };
    if (seg.startsWith('.') && !dotfiles) return { status: 404, reason: 'dotfile' };
    segments.push(seg);
  }
  return { segments, trailingSlash: path.endsWith('/'), query };
}

/**
 * Whether `candidate` is `root` itself or lies inside it (both absolute, normalized).
 *
 * @example
 * isInside('/srv/site', '/srv/site-old/x', '/'); // false: a shared prefix is not containment
 */
export function isInside(root: string, candidate: string, sep: string): boolean {
  if (candidate === root) return true;
  const prefix = root.endsWith(sep) ? root : root + sep;
  return candidate.startsWith(prefix);
}

/**
 * The URL path for segments, each percent-encoded: used for redirects and listing links, so a
 * name like `a?b#c` or `<x>` stays one path segment.
 *
 * @example
 * encodePath(['my dir', 'a?b'], true); // '/my%20dir/a%3Fb/'
 */
export function encodePath(segments: readonly string[], trailingSlash: boolean): string {
  let out = '';
  for (const s of segments) out += '/' + encodeURIComponent(s);
  return out === '' ? '/' : trailingSlash ? out + '/' : out;
}
