/**
 * Content-coding negotiation for `trama serve` (RFC 9110 §12.5.3).
 *
 * Decisions: the server offers `br`, `gzip` and `identity`; the highest q wins, ties prefer
 * br, then gzip (smaller output), then identity. `*` covers codings not named. `identity` is
 * the fallback even when the client refuses it with `identity;q=0` and accepts nothing else we
 * have: an uncompressed answer is more useful than a 406 for a file server.
 */

/** A coding `serve` can produce. */
export type Coding = 'br' | 'gzip' | 'identity';

const COMPRESSED: readonly Coding[] = ['br', 'gzip'];

/**
 * Choose the response coding for an `Accept-Encoding` value.
 *
 * @example
 * negotiateEncoding('gzip, deflate, br'); // 'br'
 * negotiateEncoding('gzip;q=1, br;q=0.5'); // 'gzip'
 * negotiateEncoding(undefined); // 'identity'
 */
export function negotiateEncoding(header: string | undefined): Coding {
  if (header === undefined || header.trim() === '') return 'identity';
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const pieces = part.split(';');
    const name = pieces[0]!.trim().toLowerCase();
    if (name === '') continue;
    let weight = 1;
    for (let i = 1; i < pieces.length; i++) {
      const p = pieces[i]!.trim();
      if (p.length > 2 && (p[0] === 'q' || p[0] === 'Q') && p[1] === '=') {
        const n = Number(p.slice(2));
        weight = Number.isFinite(n) && n >= 0 && n <= 1 ? n : 0;
      }
    }
    // "x-gzip" is gzip (RFC 9110 §8.4.1.3).
    q.set(name === 'x-gzip' ? 'gzip' : name, weight);
  }
  const star = q.get('*');
  let best: Coding = 'identity';
  let bestQ = 0;
  for (const c of COMPRESSED) {
    const w = q.get(c) ?? star ?? 0;
    if (w > bestQ) {
      best = c;
      bestQ = w;
    }
  }
  // Identity is the fallback; it wins only when the client ranks it explicitly above the rest.
  const identityQ = q.get('identity');
  if (identityQ !== undefined && identityQ > bestQ) return 'identity';
  return best;
}
