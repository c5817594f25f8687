/**
 * The RFC 7540 §5.3 priority scheduler: a dependency tree with weights.
 *
 * Tree rules (RFC 7540 §5.3):
 * - every stream hangs under a parent; the root is the non-existent stream 0 (§5.3.1);
 * - a new stream depends on 0 with weight 16 (§5.3.5) unless its HEADERS says otherwise;
 * - the exclusive flag makes the stream the sole child of its parent, adopting the others (§5.3.1);
 * - moving a stream under one of its own descendants first lifts that descendant to the moving
 *   stream's former parent, keeping the descendant's weight (§5.3.3);
 * - a stream that depends on itself is a stream error: `open`/`reprioritize` return false and the
 *   engine sends RST_STREAM PROTOCOL_ERROR (§5.3.1);
 * - a dependency on a stream not in the tree creates an idle placeholder with default priority
 *   for it (§5.3.1, "results in that stream being given a default priority"), so a later PRIORITY
 *   frame naming it still regroups its dependants;
 * - closed streams stay in the tree for a while (§5.3.4 SHOULD) so dependants keep their share
 *   and in-flight PRIORITY frames still find them; when one is finally dropped, its children move
 *   to its parent and share its weight in proportion to their own (§5.3.4), at least 1 each.
 *
 * Scheduling. A node is *active* when it is ready or has an active descendant; each node keeps its
 * active children in a min-heap. `pop` walks from the root, always taking the least child, and
 * stops at the first ready node: a parent with data is served before its children (§5.3.1 "only
 * allocated resources if … the chain of parent streams … are closed or it is not possible to make
 * progress on them").
 *
 * Siblings share by weight with weighted fair queueing on a virtual clock per parent: a child's
 * *start* tag advances by cost/weight for every frame charged in its subtree (so the bytes of a
 * grandchild count against its ancestors at every level), and the heap orders children by
 * *finish* tag = start + (expected frame cost)/weight, the expected cost being the child's last
 * frame (before any: the last frame written under the same parent, or a nominal full frame).
 * A child that becomes active starts at the parent's clock (the start tag of the child last
 * served), so an idle spell neither banks credit nor owes a debt. Ties go to the child that became
 * active first. With weights 12:4 and equal frames this serves "A,A,A,B,A,A,A,B".
 *
 * Complexity (n = nodes, d = tree depth, k = children of a node):
 * - pop: O(d), no allocation; `pop` reads, it never mutates;
 * - charge, setReady, close: O(d log k);
 * - open/reprioritize: O(d log k) plus O(k log k) when an exclusive dependency adopts k children;
 * - dropping a retained node: O(k log k) for its k children.
 * d and n are bounded by the open streams (SETTINGS_MAX_CONCURRENT_STREAMS, the engine's limit)
 * plus `maxNodes` placeholders.
 */
import { IndexedHeap, type HeapItem } from './heap.js';
import { checkLimit, checkStreamId, clampWeight, frameCost, hasTreeFields } from './common.js';
import {
  DEFAULT_MAX_NODES,
  DEFAULT_MAX_RETAINED_CLOSED,
  DEFAULT_WEIGHT,
  FRAME_HEADER_BYTES,
  type H2Scheduler,
  type PrioritySpec,
  type SchedulerOptions,
} from './types.js';

/**
 * Virtual time per byte at weight 1: lcm(1..16) × 16. Every weight 1..16 and every power of two
 * up to 256 divides it, so for those weights each step is an exact integer and equal shares tie
 * exactly (ties are then settled by activation order, which is what makes the orders predictable).
 */
const VIRTUAL_SCALE = 11_531_520;
/**
 * A parent's clock is shifted back to 0 once it passes 2^48 (about 24 GB at weight 1), keeping
 * every tag below 2^53 where doubles are exact: 2^48 + MAX_CHARGE_BYTES × VIRTUAL_SCALE < 2^53.
 */
const RENORMALIZE_AT = 2 ** 48;
/** The expected cost of a frame before anything was charged: a full default-size DATA frame. */
export const NOMINAL_FRAME_COST = 16_384 + FRAME_HEADER_BYTES;

type NodeState = 'root' | 'open' | 'idle' | 'closed';

class TreeNode implements HeapItem {
  heapIndex = -1;
  parent: TreeNode | null = null;
  /** Children; created with the first (most streams never have one: no Set per stream). */
  children: Set<TreeNode> | null = null;
  /** Active children, least finish tag first; created on first use. */
  heap: IndexedHeap<TreeNode> | null = null;
  weight = DEFAULT_WEIGHT;
  ready = false;
  /** Virtual start tag of this node's next frame, on the parent's clock. */
  start = 0;
  /** Virtual finish tag, the heap key: start + expected cost / weight. */
  finish = 0;
  /** Cost of the last frame charged in this subtree; 0 before any. */
  lastCost = 0;
  /** This node's clock for its children: the start tag of the child served last. */
  clock = 0;
  /** Activation order, for ties. */
  seq = 0;
  readonly id: number;
  state: NodeState;
  constructor(id: number, state: NodeState) {
    this.id = id;
    this.state = state;
  }
}

function lessByFinish(a: TreeNode, b: TreeNode): boolean {
  return a.finish < b.finish || (a.finish === b.finish && a.seq < b.seq);
}

function isActive(n: TreeNode): boolean {
  return n.ready || (n.heap !== null && n.heap.size > 0);
}

/** What `inspect` reports about one node; for tests and diagnostics. */
export interface TreeNodeInfo {
  parent: number;
  weight: number;
  state: 'open' | 'idle' | 'closed';
  ready: boolean;
}

/**
 * The RFC 7540 dependency-tree scheduler. Prefer `createScheduler('rfc7540')`.
 *
 * @example
 * const s = new TreeScheduler();
 * s.open(1, { weight: 12 }); s.open(3, { weight: 4 });
 * s.setReady(1, true); s.setReady(3, true);
 * const id = s.pop(); // 1
 * s.charge(id, 16384);
 */
export class TreeScheduler implements H2Scheduler {
  readonly #root = new TreeNode(0, 'root');
  readonly #nodes = new Map<number, TreeNode>();
  /** Idle placeholders, least recently used first. */
  readonly #idle = new Map<number, TreeNode>();
  /** Retained closed streams, oldest first. */
  readonly #closed = new Map<number, TreeNode>();
  readonly #maxRetainedClosed: number;
  readonly #maxNodes: number;
  #seq = 0;

  constructor(options: SchedulerOptions = {}) {
    this.#maxRetainedClosed = checkLimit('maxRetainedClosed', options.maxRetainedClosed, DEFAULT_MAX_RETAINED_CLOSED);
    this.#maxNodes = checkLimit('maxNodes', options.maxNodes, DEFAULT_MAX_NODES);
  }

  open(id: number, spec?: PrioritySpec): boolean {
    checkStreamId('id', id, false);
    if (spec?.dependsOn !== undefined) checkStreamId('dependsOn', spec.dependsOn, true);
    let node = this.#nodes.get(id);
    if (node === undefined) {
      node = new TreeNode(id, 'open');
      this.#nodes.set(id, node);
      this.#attach(node, this.#root, 0);
    } else if (node.state === 'idle') {
      // A PRIORITY frame placed it while idle; HEADERS without priority keeps that placement.
      this.#idle.delete(id);
      node.state = 'open';
    } else if (node.state === 'closed') {
      // Ids are never reused by a conforming engine; recover rather than corrupt the tree.
      this.#closed.delete(id);
      node.state = 'open';
    }
    let ok = true;
    // RFC 7540 §6.2: priority in a HEADERS frame, first or later, (re)prioritises the stream.
    if (hasTreeFields(spec)) ok = this.#place(node, spec);
    this.#enforceLimits();
    return ok;
  }

  reprioritize(id: number, spec: PrioritySpec): boolean {
    checkStreamId('id', id, false);
    if (spec.dependsOn !== undefined) checkStreamId('dependsOn', spec.dependsOn, true);
    // RFC 7540 §5.3.1: a stream cannot depend on itself (stream error PROTOCOL_ERROR, the caller's).
    if (spec.dependsOn === id) return false;
    if (!hasTreeFields(spec)) return true;
    // RFC 7540 §6.3: PRIORITY may name an idle or closed stream; an unknown one becomes a placeholder.
    const node = this.#nodes.get(id) ?? this.#createIdle(id);
    this.#touch(node);
    this.#place(node, spec);
    this.#enforceLimits();
    return true;
  }

  close(id: number): void {
    const node = this.#nodes.get(id);
    if (node === undefined || node.state === 'closed') return;
    if (node.state === 'idle') this.#idle.delete(id);
    node.state = 'closed';
    node.ready = false;
    this.#refresh(node);
    // A closed leaf hanging from the root at the default weight holds nothing a late reference
    // would miss: a stream or PRIORITY frame naming it once forgotten gets a placeholder with the
    // default priority under the root (§5.3.1) — the same place. Forgotten at once: the common
    // stream (no priority signal) costs no retained node.
    if ((node.children === null || node.children.size === 0) && node.parent === this.#root && node.weight === DEFAULT_WEIGHT) {
      this.#detach(node);
      this.#nodes.delete(id);
      return;
    }
    // RFC 7540 §5.3.4: retain the state of a closed stream for a while, within `maxRetainedClosed`.
    this.#closed.set(id, node);
    this.#enforceLimits();
  }

  setReady(id: number, ready: boolean): void {
    const node = this.#nodes.get(id);
    if (node === undefined || node.state !== 'open' || node.ready === ready) return;
    node.ready = ready;
    this.#refresh(node);
  }

  pop(): number {
    // O(depth): the invariant "in the parent's heap ⇔ active" guarantees the walk ends at a ready node.
    let node = this.#root;
    for (;;) {
      if (node.ready) return node.id;
      const next = node.heap?.peek();
      if (next === undefined) return 0;
      node = next;
    }
  }

  charge(id: number, bytes: number): void {
    const node = this.#nodes.get(id);
    if (node === undefined) return;
    const cost = frameCost(bytes);
    // The frame counts against the stream and every ancestor, each on its parent's clock.
    for (let n = node, p = n.parent; p !== null; n = p, p = n.parent) {
      if (n.start > p.clock) p.clock = n.start;
      const step = (cost * VIRTUAL_SCALE) / n.weight;
      n.start += step;
      n.lastCost = cost;
      if (n.heapIndex >= 0) {
        n.finish = n.start + step;
        (p.heap as IndexedHeap<TreeNode>).update(n);
      }
      // The first frame under a parent replaces the nominal guess its waiting children were
      // keyed with (once per parent, O(k)): with small frames, a full-frame guess would make a
      // light sibling wait thousands of frames before its first turn.
      if (p.lastCost === 0 && cost !== NOMINAL_FRAME_COST) this.#rekeyUncharged(p, cost);
      if (p.clock >= RENORMALIZE_AT) this.#renormalize(p);
    }
    this.#root.lastCost = cost;
  }

  /** Where a stream sits; undefined when not in the tree. For tests and diagnostics. */
  inspect(id: number): TreeNodeInfo | undefined {
    const n = this.#nodes.get(id);
    if (n === undefined) return undefined;
    return {
      parent: (n.parent as TreeNode).id,
      weight: n.weight,
      state: n.state as TreeNodeInfo['state'],
      ready: n.ready,
    };
  }

  /** Counts of nodes by state. */
  stats(): { open: number; idle: number; closed: number } {
    const open = this.#nodes.size - this.#idle.size - this.#closed.size;
    return { open, idle: this.#idle.size, closed: this.#closed.size };
  }

  /**
   * The tree as text, children in id order: `1(3,5(7))`. `name` maps ids to labels.
   * Recursive, meant for tests of small trees.
   */
  format(name: (id: number) => string = String): string {
    const walk = (n: TreeNode): string => {
      const kids = [...(n.children ?? [])].sort((a, b) => a.id - b.id).map(walk);
      const label = n === this.#root ? '' : name(n.id);
      return kids.length === 0 ? label : `${label}(${kids.join(',')})`;
    };
    const top = walk(this.#root);
    // The root has no label: drop the outer parentheses.
    return top.startsWith('(') ? top.slice(1, -1) : top;
  }

  /**
   * Check the structural invariants (tree shape, heap membership ⇔ activity, bookkeeping); the
   * first broken one as text, or null. O(n); for tests and diagnostics.
   */
  checkInvariants(): string | null {
    let seen = 0;
    const visit = (n: TreeNode, depth: number): string | null => {
      if (depth > this.#nodes.size + 1) return `cycle below ${n.id}`;
      for (const c of n.children ?? []) {
        seen++;
        if (c.parent !== n) return `${c.id} listed under ${n.id} but its parent is ${c.parent?.id}`;
        if (this.#nodes.get(c.id) !== c) return `${c.id} in the tree but not in the index`;
        const inHeap = c.heapIndex >= 0 && n.heap?.items()[c.heapIndex] === c;
        if (inHeap !== isActive(c)) return `${c.id}: in heap ${inHeap}, active ${isActive(c)}`;
        if (c.ready && c.state !== 'open') return `${c.id} ready while ${c.state}`;
        if (c.weight < 1 || c.weight > 256 || !Number.isInteger(c.weight)) return `${c.id} weight ${c.weight}`;
        const below = visit(c, depth + 1);
        if (below !== null) return below;
      }
      const heap = n.heap?.items() ?? [];
      for (let i = 0; i < heap.length; i++) {
        const item = heap[i] as TreeNode;
        if (item.parent !== n || item.heapIndex !== i) return `stray heap entry ${item.id} under ${n.id}`;
        if (i > 0 && lessByFinish(item, heap[(i - 1) >> 1] as TreeNode)) return `heap order broken under ${n.id}`;
      }
      return null;
    };
    const broken = visit(this.#root, 0);
    if (broken !== null) return broken;
    if (seen !== this.#nodes.size) return `${this.#nodes.size} indexed, ${seen} in the tree`;
    for (const n of this.#idle.values()) if (n.state !== 'idle') return `${n.id} listed idle while ${n.state}`;
    for (const n of this.#closed.values()) if (n.state !== 'closed') return `${n.id} listed closed while ${n.state}`;
    if (this.#closed.size > this.#maxRetainedClosed) return 'too many closed nodes';
    if (this.#closed.size + this.#idle.size > this.#maxNodes) return 'too many placeholder nodes';
    return null;
  }

  // --- tree surgery -------------------------------------------------------------------------

  /** Apply a complete RFC 7540 priority (missing fields take their defaults) to `node`. */
  #place(node: TreeNode, spec: PrioritySpec): boolean {
    const depId = spec.dependsOn ?? 0;
    // RFC 7540 §5.3.1: a stream cannot depend on itself.
    if (depId === node.id) return false;
    let parent = this.#root;
    if (depId !== 0) {
      parent = this.#nodes.get(depId) ?? this.#createIdle(depId);
      this.#touch(parent);
    }
    // RFC 7540 §5.3.3: made dependent on its own descendant, that descendant first moves to the
    // stream's former parent, keeping its weight.
    if (this.#isDescendant(parent, node)) {
      const former = node.parent as TreeNode;
      this.#detach(parent);
      this.#attach(parent, former, 0);
    }
    // Staying under the same parent keeps the stream's standing among its siblings.
    const offset = node.parent === parent ? node.start - parent.clock : 0;
    this.#detach(node);
    node.weight = clampWeight(spec.weight);
    if (spec.exclusive === true) {
      // RFC 7540 §5.3.1: the exclusive stream adopts all other children of its new parent; they
      // keep their weights and their standing relative to one another.
      for (const child of [...(parent.children ?? [])]) {
        const offset = child.start - parent.clock;
        this.#detach(child);
        this.#attach(child, node, offset);
      }
    }
    this.#attach(node, parent, offset);
    return true;
  }

  #isDescendant(candidate: TreeNode, ancestor: TreeNode): boolean {
    for (let n = candidate.parent; n !== null; n = n.parent) if (n === ancestor) return true;
    return false;
  }

  #createIdle(id: number): TreeNode {
    // RFC 7540 §5.3.4: idle streams begin with a default priority (§5.3.5).
    const node = new TreeNode(id, 'idle');
    this.#nodes.set(id, node);
    this.#idle.set(id, node);
    this.#attach(node, this.#root, 0);
    return node;
  }

  /** Mark an idle placeholder as recently used, so eviction prefers others. */
  #touch(node: TreeNode): void {
    if (node.state === 'idle') {
      this.#idle.delete(node.id);
      this.#idle.set(node.id, node);
    }
  }

  #detach(node: TreeNode): void {
    const parent = node.parent as TreeNode;
    if (node.heapIndex >= 0) {
      (parent.heap as IndexedHeap<TreeNode>).remove(node);
      if (parent.heapIndex >= 0 && !isActive(parent)) this.#deactivate(parent);
    }
    parent.children?.delete(node);
    node.parent = null;
  }

  /** Hang `node` under `parent`, its start tag `offset` past the parent's clock (never before). */
  #attach(node: TreeNode, parent: TreeNode, offset: number): void {
    node.parent = parent;
    (parent.children ??= new Set()).add(node);
    node.start = parent.clock + (offset > 0 ? offset : 0);
    if (isActive(node)) this.#activate(node);
  }

  /** Bring heap membership of `node` in line with its activity. */
  #refresh(node: TreeNode): void {
    const active = isActive(node);
    if (active && node.heapIndex < 0) this.#activate(node);
    else if (!active && node.heapIndex >= 0) this.#deactivate(node);
  }

  /** `node` became active: enter its parent's heap, and so on up while parents become active. */
  #activate(node: TreeNode): void {
    for (let n = node, p = n.parent; p !== null; n = p, p = n.parent) {
      const parentWasActive = isActive(p);
      if (n.start < p.clock) n.start = p.clock;
      const expected = n.lastCost || p.lastCost || NOMINAL_FRAME_COST;
      n.finish = n.start + (expected * VIRTUAL_SCALE) / n.weight;
      n.seq = ++this.#seq;
      let heap = p.heap;
      if (heap === null) heap = p.heap = new IndexedHeap<TreeNode>(lessByFinish);
      heap.push(n);
      if (parentWasActive || p.parent === null) return;
    }
  }

  /** `node` became inactive: leave its parent's heap, and so on up while parents become inactive. */
  #deactivate(node: TreeNode): void {
    for (let n = node, p = n.parent; p !== null; n = p, p = n.parent) {
      (p.heap as IndexedHeap<TreeNode>).remove(n);
      if (p.parent === null || isActive(p)) return;
    }
  }

  #rekeyUncharged(parent: TreeNode, cost: number): void {
    const heap = parent.heap;
    if (heap === null) return;
    for (const child of heap.items()) {
      if (child.lastCost === 0) child.finish = child.start + (cost * VIRTUAL_SCALE) / child.weight;
    }
    heap.rebuild();
  }

  #renormalize(parent: TreeNode): void {
    const shift = parent.clock;
    parent.clock = 0;
    for (const child of parent.children ?? []) {
      child.start -= shift;
      child.finish -= shift;
    }
    // Rounding in the shift may create ties the heap did not have: rebuild rather than trust it.
    parent.heap?.rebuild();
  }

  // --- limits -------------------------------------------------------------------------------

  #enforceLimits(): void {
    while (this.#closed.size > this.#maxRetainedClosed) this.#drop(this.#closed);
    while (this.#closed.size + this.#idle.size > this.#maxNodes) {
      // Retained closed streams go before idle grouping nodes that the client built on purpose.
      this.#drop(this.#closed.size > 0 ? this.#closed : this.#idle);
    }
  }

  /** Remove the first (oldest / least recently used) node of `list` from the tree. */
  #drop(list: Map<number, TreeNode>): void {
    const node = list.values().next().value as TreeNode;
    list.delete(node.id);
    this.#remove(node);
  }

  /**
   * RFC 7540 §5.3.4: a removed node's children move to its parent and share its weight in
   * proportion to their own weights (at least 1 each).
   */
  #remove(node: TreeNode): void {
    const parent = node.parent as TreeNode;
    const children = [...(node.children ?? [])];
    let total = 0;
    for (const child of children) total += child.weight;
    this.#detach(node);
    for (const child of children) {
      const offset = child.start - node.clock;
      this.#detach(child);
      child.weight = Math.max(1, Math.floor((node.weight * child.weight) / total));
      this.#attach(child, parent, offset);
    }
    this.#nodes.delete(node.id);
  }
}
