/**
 * RFC 7541 §2.3.2 and §4: the dynamic table, a FIFO of header fields as a ring buffer.
 *
 * - Size of an entry (§4.1): 32 + name octets + value octets. Strings are octet strings held as
 *   latin1 JS strings (one char per octet), so `.length` is the octet count.
 * - Insertion (§4.4): evict from the oldest end until the new entry fits; an entry larger than the
 *   whole table empties it and is not inserted (not an error).
 * - A new maximum size (§4.3) evicts from the oldest end until the table fits.
 * - Entries also carry an absolute insertion number (0, 1, 2, … over the table's life), which the
 *   encoder keys its lookups on: HPACK index = 62 + (inserted - 1 - absolute).
 *
 * Every operation is O(1) amortised (eviction pops from the tail; the ring doubles when full).
 */

/** RFC 7541 §4.1: the overhead counted for every entry. */
export const ENTRY_OVERHEAD = 32;

/** The initial capacity of the ring, in entries (grows by doubling). */
const INITIAL_RING = 16;

/**
 * A dynamic table (one per direction and connection).
 *
 * @example
 * const t = new DynamicTable(4096);
 * t.add('custom-key', 'custom-header'); // size 55 (RFC 7541 C.2.1)
 * t.name(0); // 'custom-key' — 0 = most recent entry (HPACK index 62)
 */
export class DynamicTable {
  #names: string[] = new Array<string>(INITIAL_RING).fill('');
  #values: string[] = new Array<string>(INITIAL_RING).fill('');
  #mask = INITIAL_RING - 1;
  /** Ring slot of the oldest entry. */
  #tail = 0;
  #length = 0;
  #size = 0;
  #maxSize: number;
  #inserted = 0;
  /** Told about each entry leaving the table (the encoder keeps its lookup maps in sync). */
  readonly #onEvict: ((name: string, value: string, absolute: number) => void) | undefined;

  constructor(maxSize: number, onEvict?: (name: string, value: string, absolute: number) => void) {
    this.#maxSize = maxSize;
    this.#onEvict = onEvict;
  }

  /** Number of entries. */
  get length(): number {
    return this.#length;
  }
  /** Current size in RFC 7541 §4.1 octets. */
  get size(): number {
    return this.#size;
  }
  /** Current maximum size (the last size update applied). */
  get maxSize(): number {
    return this.#maxSize;
  }
  /** Entries inserted over the table's life: the next entry's absolute number. */
  get inserted(): number {
    return this.#inserted;
  }

  /** Name of the i-th most recent entry (0 = newest); `i` must be < `length`. */
  name(i: number): string {
    return this.#names[(this.#tail + this.#length - 1 - i) & this.#mask]!;
  }
  /** Value of the i-th most recent entry (0 = newest); `i` must be < `length`. */
  value(i: number): string {
    return this.#values[(this.#tail + this.#length - 1 - i) & this.#mask]!;
  }

  /** RFC 7541 §4.3: apply a new maximum size, evicting as needed. */
  setMaxSize(maxSize: number): void {
    this.#maxSize = maxSize;
    this.#evictTo(maxSize);
  }

  /** RFC 7541 §4.4: insert at the front; returns false when the entry is larger than the table. */
  add(name: string, value: string): boolean {
    const size = ENTRY_OVERHEAD + name.length + value.length;
    if (size > this.#maxSize) {
      this.#evictTo(0);
      return false;
    }
    this.#evictTo(this.#maxSize - size);
    if (this.#length > this.#mask) this.#grow();
    const slot = (this.#tail + this.#length) & this.#mask;
    this.#names[slot] = name;
    this.#values[slot] = value;
    this.#length++;
    this.#size += size;
    this.#inserted++;
    return true;
  }

  #evictTo(limit: number): void {
    while (this.#size > limit) {
      const slot = this.#tail;
      const name = this.#names[slot]!;
      const value = this.#values[slot]!;
      this.#size -= ENTRY_OVERHEAD + name.length + value.length;
      // Drop the references so evicted strings can be collected.
      this.#names[slot] = '';
      this.#values[slot] = '';
      this.#tail = (slot + 1) & this.#mask;
      this.#length--;
      if (this.#onEvict !== undefined) this.#onEvict(name, value, this.#inserted - this.#length - 1);
    }
  }

  #grow(): void {
    const cap = this.#mask + 1;
    const names = new Array<string>(cap * 2).fill('');
    const values = new Array<string>(cap * 2).fill('');
    for (let i = 0; i < this.#length; i++) {
      names[i] = this.#names[(this.#tail + i) & this.#mask]!;
      values[i] = this.#values[(this.#tail + i) & this.#mask]!;
    }
    this.#names = names;
    this.#values = values;
    this.#tail = 0;
    this.#mask = cap * 2 - 1;
  }
}
