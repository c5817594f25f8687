/**
 * A byte-level delta-debugging minimiser: fast-check cannot shrink through the `.map` that turns
 * a structured message into bytes, so findings are reduced here instead. `keep(s)` must be true
 * for the input and stays true for the result; chunks of lines, then of bytes, are removed while
 * it holds, then single bytes are simplified to 'a'.
 */
export function minimize(input: string, keep: (s: string) => boolean, budget = 4000): string {
  let cur = input;
  let calls = 0;
  const test = (s: string): boolean => {
    if (calls++ > budget) return false;
    return keep(s);
  };
  // 1. remove runs of lines (keeping line ends), halving the run size
  const removeUnits = (split: (s: string) => string[]): void => {
    let units = split(cur);
    for (let n = Math.max(1, units.length >> 1); n >= 1; n = n === 1 ? 0 : n >> 1) {
      let i = 0;
      while (i < units.length) {
        const cand = units.slice(0, i).concat(units.slice(i + n)).join('');
        if (cand !== cur && test(cand)) {
          cur = cand;
          units = split(cur);
        } else i += n;
      }
    }
  };
  removeUnits((s) => s.match(/[^\n]*\n|[^\n]+$/g) ?? []);
  removeUnits((s) => s.split(''));
  // 2. simplify bytes
  for (let i = 0; i < cur.length; i++) {
    const c = cur[i]!;
    if (/[a-z0-9\r\n :]/.test(c)) continue;
    const cand = cur.slice(0, i) + 'a' + cur.slice(i + 1);
    if (test(cand)) cur = cand;
  }
  return cur;
}
