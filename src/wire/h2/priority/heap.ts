/**
 * An indexed binary min-heap: every item remembers its own slot (`heapIndex`), so an item can be
 * removed or re-keyed in O(log n) without a search. The schedulers keep one heap per parent
 * (RFC 7540) or per urgency (RFC 9218) holding only the members that can be served right now.
 *
 * The order is a caller-supplied `less(a, b)`; it must be a strict weak order and must not change
 * for items already in the heap unless the caller calls `update(item)` right after the change.
 */

/** What the heap needs from an item: a slot it may overwrite, -1 while the item is outside. */
export interface HeapItem {
  heapIndex: number;
}

/**
 * A min-heap over items that track their own position.
 *
 * @example
 * const h = new IndexedHeap<{ heapIndex: number; k: number }>((a, b) => a.k < b.k);
 * const x = { heapIndex: -1, k: 2 };
 * h.push(x); h.push({ heapIndex: -1, k: 1 });
 * h.peek()?.k; // 1
 * h.remove(x); // O(log n)
 */
export class IndexedHeap<T extends HeapItem> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  get size(): number {
    return this.#items.length;
  }

  /** The least item, or undefined when empty. O(1). */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Insert an item that is not in any heap (`heapIndex === -1`). O(log n). */
  push(item: T): void {
    const items = this.#items;
    item.heapIndex = items.length;
    items.push(item);
    this.#up(item.heapIndex);
  }

  /** Remove an item that is in this heap. O(log n). */
  remove(item: T): void {
    const items = this.#items;
    const i = item.heapIndex;
    const last = items.pop() as T;
    item.heapIndex = -1;
    if (last === item) return;
    items[i] = last;
    last.heapIndex = i;
    this.#up(i);
    this.#down(last.heapIndex);
  }

  /** Restore the order after the key of `item` (which is in this heap) changed. O(log n). */
  update(item: T): void {
    this.#up(item.heapIndex);
    this.#down(item.heapIndex);
  }

  /** Every item, in heap order (not sorted); for walks that touch all members. */
  items(): readonly T[] {
    return this.#items;
  }

  /** Re-establish the order after the keys of many items changed at once. O(n). */
  rebuild(): void {
    for (let i = (this.#items.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  #up(i: number): void {
    const items = this.#items;
    const item = items[i] as T;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as T;
      if (!this.#less(item, p)) break;
      items[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const item = items[i] as T;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.#less(items[r] as T, items[l] as T)) c = r;
      const child = items[c] as T;
      if (!this.#less(child, item)) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
