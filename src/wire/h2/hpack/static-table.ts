/**
 * RFC 7541 §2.3.1 and Appendix A: the static table, plus the lookups the encoder needs.
 */
import { STATIC_TABLE } from './static-table-data.js';

export { STATIC_TABLE };

/** Number of static entries (61): dynamic indexes start right after (RFC 7541 §2.3.3). */
export const STATIC_TABLE_LENGTH = STATIC_TABLE.length;

/** Static names by name: the lowest index with that name, and the index of each listed value. */
export interface StaticName {
  readonly index: number;
  readonly values: ReadonlyMap<string, number>;
}

/** name → its static entries; built once at load (61 entries). */
export const STATIC_BY_NAME: ReadonlyMap<string, StaticName> = (() => {
  const byName = new Map<string, { index: number; values: Map<string, number> }>();
  STATIC_TABLE.forEach(([name, value], i) => {
    let e = byName.get(name);
    if (e === undefined) byName.set(name, (e = { index: i + 1, values: new Map() }));
    if (!e.values.has(value)) e.values.set(value, i + 1);
  });
  return byName;
})();
