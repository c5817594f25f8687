/**
 * RFC 7540 §5.3 dependency-tree scheduler: the service order as strings, h2o style.
 * Streams A, B, C, … are ids 1, 3, 5, …; unless said otherwise every frame carries 16384 bytes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createScheduler,
  DEFAULT_MAX_NODES,
  DEFAULT_MAX_RETAINED_CLOSED,
  MAX_CHARGE_BYTES,
  TreeScheduler,
} from '../../../../src/wire/h2/priority/index.js';
import { A, B, C, D, E, F, G, name, ready, serve, shares } from './service.js';

function tree(options?: { maxRetainedClosed?: number; maxNodes?: number }): TreeScheduler {
  return new TreeScheduler(options);
}

function consistent(s: TreeScheduler): void {
  assert.equal(s.checkInvariants(), null);
}

describe('rfc7540 scheduler: siblings', () => {
  it('serves nothing when nothing is ready, then one stream repeatedly', () => {
    const s = tree();
    s.open(A);
    s.open(B);
    s.open(C);
    assert.equal(serve(s, 4), '');
    s.setReady(A, true);
    assert.equal(serve(s, 4), 'A,A,A,A');
  });

  it('round-robins equal weights', () => {
    const s = tree();
    for (const id of [A, B, C]) s.open(id, { weight: 12 });
    ready(s, A, B, C);
    assert.equal(serve(s, 7), 'A,B,C,A,B,C,A');
    consistent(s);
  });

  it('shares by bytes, not frames: a stream of half-size frames gets twice the turns', () => {
    const s = tree();
    s.open(A);
    s.open(B);
    ready(s, A, B);
    // Least virtual finish first: after A,B the next B frame ends at 24.6 KB of B's share, before
    // A's second frame ends at 32.8 KB of A's share.
    assert.equal(serve(s, 9, { bytes: (id) => (id === A ? 16384 : 8192) }), 'A,B,B,B,A,B,B,A,B');
    assert.equal(shares(s, 300, { bytes: (id) => (id === A ? 16384 : 8192) }), 'A:100,B:200');
  });

  it('weights 12:4 give A three frames for each of B', () => {
    const s = createScheduler('rfc7540');
    s.open(A, { weight: 12 });
    s.open(B, { weight: 4 });
    ready(s, A, B);
    assert.equal(serve(s, 8), 'A,A,A,B,A,A,A,B');
  });

  it('keeps the 3:1 proportion over many frames of any equal size', () => {
    for (const bytes of [1, 1000, 16384, 100_000]) {
      const s = tree();
      s.open(A, { weight: 12 });
      s.open(B, { weight: 4 });
      ready(s, A, B);
      assert.equal(shares(s, 400, { bytes }), 'A:300,B:100', `frames of ${bytes} bytes`);
    }
  });

  it('honours the extreme weights 256:1 and three-way shares', () => {
    const s = tree();
    s.open(A, { weight: 256 });
    s.open(B, { weight: 1 });
    ready(s, A, B);
    assert.equal(shares(s, 257), 'A:256,B:1');
    const t = tree();
    t.open(A, { weight: 32 });
    t.open(B, { weight: 32 });
    t.open(C, { weight: 16 });
    ready(t, A, B, C);
    // After two frames each of A and B, C's first frame ties with their third: activation order.
    assert.equal(serve(t, 5), 'A,B,A,B,C');
    assert.equal(shares(t, 500), 'A:200,B:200,C:100');
  });

  it('clamps weights outside 1..256', () => {
    const s = tree();
    s.open(A, { weight: 0 });
    s.open(B, { weight: 1000 });
    s.open(C, { weight: Number.NaN });
    assert.equal(s.inspect(A)?.weight, 1);
    assert.equal(s.inspect(B)?.weight, 256);
    assert.equal(s.inspect(C)?.weight, 16);
  });
});

describe('rfc7540 scheduler: dependencies', () => {
  it('serves a parent with data before its children (§5.3.1)', () => {
    const s = tree();
    s.open(A);
    s.open(B, { dependsOn: A });
    s.open(C, { dependsOn: B });
    ready(s, A, B, C);
    assert.equal(serve(s, 3), 'A,A,A');
    s.setReady(A, false);
    assert.equal(serve(s, 3), 'B,B,B');
    s.setReady(B, false);
    assert.equal(serve(s, 3), 'C,C,C');
    s.setReady(A, true);
    assert.equal(serve(s, 2), 'A,A');
  });

  it('a parent that cannot proceed hands its share to its children, split by their weights', () => {
    // root: A(16) B(16); A: C(16) D(16)   — A has nothing to send.
    const s = tree();
    s.open(A);
    s.open(B);
    s.open(C, { dependsOn: A });
    s.open(D, { dependsOn: A });
    ready(s, B, C, D);
    assert.equal(serve(s, 8), 'B,C,B,D,B,C,B,D');
    assert.equal(shares(s, 400), 'B:200,C:100,D:100');
  });

  it('counts a child frame against its parent at the parent level', () => {
    // A's subtree and B share equally even though A's share is written by two children.
    const s = tree();
    s.open(A, { weight: 8 });
    s.open(B, { weight: 8 });
    s.open(C, { dependsOn: A, weight: 200 });
    s.open(D, { dependsOn: A, weight: 56 });
    ready(s, B, C, D);
    assert.equal(shares(s, 512), 'B:256,C:200,D:56');
  });

  it('gives a pushed stream a dependency on its associated stream (§5.3.5)', () => {
    const s = tree();
    s.open(A);
    s.open(2, { dependsOn: A });
    assert.deepEqual(s.inspect(2), { parent: A, weight: 16, state: 'open', ready: false });
    ready(s, A, 2);
    assert.equal(serve(s, 2), 'A,A');
    s.close(A);
    assert.equal(serve(s, 2), '2,2');
  });

  it('inserts an exclusive dependency as the sole child, adopting the others (§5.3.1)', () => {
    const s = tree();
    s.open(A, { weight: 32 });
    s.open(B, { weight: 32 });
    ready(s, A, B);
    assert.equal(serve(s, 5), 'A,B,A,B,A');
    s.open(C, { dependsOn: 0, weight: 12, exclusive: true });
    assert.equal(s.format(name), 'C(A,B)');
    // C has no data yet: A and B carry on, their standing unchanged by the move.
    assert.equal(serve(s, 4), 'B,A,B,A');
    s.setReady(C, true);
    assert.equal(serve(s, 4), 'C,C,C,C');
    s.setReady(C, false);
    assert.equal(serve(s, 3), 'B,A,B');
    consistent(s);
  });

  it('adds a non-exclusive dependency beside the existing children (Figure 3)', () => {
    const s = tree();
    s.open(A);
    s.open(B, { dependsOn: A });
    s.open(C, { dependsOn: A });
    s.open(D, { dependsOn: A });
    assert.equal(s.format(name), 'A(B,C,D)');
    s.open(E, { dependsOn: A, exclusive: true });
    assert.equal(s.format(name), 'A(E(B,C,D))');
  });
});

describe('rfc7540 scheduler: reprioritisation (§5.3.3)', () => {
  function figure5(): TreeScheduler {
    const s = tree();
    s.open(A);
    s.open(B, { dependsOn: A });
    s.open(C, { dependsOn: A });
    s.open(D, { dependsOn: C, weight: 7 });
    s.open(E, { dependsOn: C });
    s.open(F, { dependsOn: D, weight: 9 });
    assert.equal(s.format(name), 'A(B,C(D(F),E))');
    return s;
  }

  it('moves a stream under its own descendant, lifting the descendant first (non-exclusive)', () => {
    const s = figure5();
    assert.equal(s.reprioritize(A, { dependsOn: D, weight: 16 }), true);
    assert.equal(s.format(name), 'D(A(B,C(E)),F)');
    // The lifted descendant keeps its weight; so do those that did not move.
    assert.equal(s.inspect(D)?.weight, 7);
    assert.equal(s.inspect(D)?.parent, 0);
    assert.equal(s.inspect(F)?.weight, 9);
    consistent(s);
  });

  it('moves a stream under its own descendant, exclusive: it adopts the descendant’s children', () => {
    const s = figure5();
    assert.equal(s.reprioritize(A, { dependsOn: D, weight: 16, exclusive: true }), true);
    assert.equal(s.format(name), 'D(A(B,C(E),F))');
    consistent(s);
  });

  it('dependent streams move with their parent', () => {
    const s = figure5();
    s.open(G);
    s.reprioritize(C, { dependsOn: G });
    assert.equal(s.format(name), 'A(B),G(C(D(F),E))');
    ready(s, A, F);
    // F's whole ancestry (D, C, G) has nothing to send: F shares with A at the root.
    assert.equal(serve(s, 4), 'A,F,A,F');
  });

  it('changes weights in place without losing the stream’s standing', () => {
    const s = tree();
    s.open(A);
    s.open(B);
    ready(s, A, B);
    assert.equal(serve(s, 4), 'A,B,A,B');
    s.reprioritize(B, { weight: 48 });
    assert.equal(shares(s, 400), 'A:100,B:300');
    assert.equal(s.inspect(B)?.parent, 0);
  });

  it('reprioritises a closed stream so that its dependants follow (§5.3.4 last paragraph)', () => {
    const s = tree();
    s.open(A);
    s.open(B);
    s.open(C, { dependsOn: A });
    s.close(A);
    s.reprioritize(A, { dependsOn: B });
    assert.equal(s.format(name), 'B(A(C))');
    ready(s, B, C);
    assert.equal(serve(s, 2), 'B,B');
  });

  it('treats a self-dependency as an error for the caller and leaves the tree alone', () => {
    const s = tree();
    s.open(A);
    s.open(B, { dependsOn: A, weight: 40 });
    assert.equal(s.reprioritize(B, { dependsOn: B, weight: 1 }), false);
    assert.deepEqual(s.inspect(B), { parent: A, weight: 40, state: 'open', ready: false });
    // On HEADERS: the stream still opens, with the default priority.
    assert.equal(s.open(C, { dependsOn: C, weight: 99, exclusive: true }), false);
    assert.deepEqual(s.inspect(C), { parent: 0, weight: 16, state: 'open', ready: false });
    // A PRIORITY frame naming an idle stream as its own parent creates nothing.
    assert.equal(s.reprioritize(E, { dependsOn: E }), false);
    assert.equal(s.inspect(E), undefined);
    consistent(s);
  });

  it('never builds a cycle through a long chain', () => {
    const s = tree();
    const ids = [1, 3, 5, 7, 9, 11, 13, 15];
    s.open(1);
    for (let k = 1; k < ids.length; k++) s.open(ids[k] as number, { dependsOn: ids[k - 1] as number });
    assert.equal(s.format(), '1(3(5(7(9(11(13(15)))))))');
    s.reprioritize(1, { dependsOn: 15, exclusive: true });
    assert.equal(s.format(), '15(1(3(5(7(9(11(13)))))))');
    s.reprioritize(7, { dependsOn: 13 });
    assert.equal(s.format(), '15(1(3(5(13(7(9(11)))))))');
    consistent(s);
    s.setReady(F, true);
    assert.equal(serve(s, 1), 'F');
  });
});

describe('rfc7540 scheduler: ready toggling', () => {
  it('leaves the round and rejoins at the current position, banking no credit', () => {
    const s = tree();
    s.open(A);
    s.open(B);
    s.open(C);
    ready(s, A, B, C);
    assert.equal(serve(s, 3), 'A,B,C');
    s.setReady(B, false);
    assert.equal(serve(s, 6), 'A,C,A,C,A,C');
    s.setReady(B, true);
    // B rejoins at the start of the frame in service: it goes next, once, and then takes its turn
    // in the round; it does not get six frames in a row to catch up.
    assert.equal(serve(s, 6), 'B,A,C,B,A,C');
  });

  it('serves a stream that runs out of data and a stream that closes no more', () => {
    const s = tree();
    s.open(A);
    s.open(B);
    s.open(C);
    ready(s, A, B, C);
    assert.equal(serve(s, 10, { frames: new Map([[A, 1], [B, 2], [C, 3]]) }), 'A,B,C,B,C,C');
    ready(s, A, B);
    s.close(A);
    assert.equal(serve(s, 2), 'B,B');
  });

  it('pop has no side effect: it names the same stream until something is charged', () => {
    const s = tree();
    s.open(A);
    s.open(B);
    ready(s, A, B);
    assert.equal(s.pop(), A);
    assert.equal(s.pop(), A);
    s.charge(A, 100);
    assert.equal(s.pop(), B);
  });

  it('ignores readiness for streams that are not open, and charges for unknown streams', () => {
    const s = tree();
    s.setReady(A, true);
    s.reprioritize(B, { weight: 3 }); // idle placeholder
    s.setReady(B, true);
    s.open(C);
    s.close(C);
    s.setReady(C, true);
    s.charge(99, 1000);
    assert.equal(s.pop(), 0);
  });

  it('a zero-length frame still costs a turn', () => {
    const s = tree();
    s.open(A);
    s.open(B);
    ready(s, A, B);
    assert.equal(serve(s, 4, { bytes: 0 }), 'A,B,A,B');
  });
});

describe('rfc7540 scheduler: removal and retention (§5.3.4)', () => {
  // A and B share the root; C and D depend on A; A and D cannot proceed.
  function setup(options?: { maxRetainedClosed?: number }): TreeScheduler {
    const s = tree(options);
    s.open(A);
    s.open(B);
    s.open(C, { dependsOn: A });
    s.open(D, { dependsOn: A });
    ready(s, B, C);
    return s;
  }

  it('while A is retained after closing, C receives all of A’s share', () => {
    const s = setup();
    s.close(A);
    assert.equal(s.inspect(A)?.state, 'closed');
    assert.equal(shares(s, 300), 'B:150,C:150');
  });

  it('once A is removed, its weight is split between C and D and C gets one third', () => {
    const s = setup({ maxRetainedClosed: 0 });
    s.close(A);
    assert.equal(s.inspect(A), undefined);
    assert.equal(s.format(name), 'B,C,D');
    assert.equal(s.inspect(C)?.weight, 8);
    assert.equal(s.inspect(D)?.weight, 8);
    assert.equal(serve(s, 6), 'B,B,C,B,B,C');
    consistent(s);
  });

  it('splits the removed weight in proportion, at least 1 each', () => {
    const s = tree({ maxRetainedClosed: 0 });
    s.open(A, { weight: 100 });
    s.open(B, { dependsOn: A, weight: 3 });
    s.open(C, { dependsOn: A, weight: 1 });
    s.open(D, { dependsOn: A, weight: 256 });
    s.close(A);
    assert.equal(s.inspect(B)?.weight, 1); // 100·3/260 = 1.15
    assert.equal(s.inspect(C)?.weight, 1); // 100·1/260 = 0.38, raised to 1
    assert.equal(s.inspect(D)?.weight, 98); // 100·256/260 = 98.5
  });

  it('retains at most maxRetainedClosed closed streams, dropping the oldest', () => {
    const s = tree({ maxRetainedClosed: 3 });
    for (let id = 1; id <= 19; id += 2) {
      s.open(id, { weight: 8 }); // not the default: a default leaf is forgotten at once (below)
      s.close(id);
    }
    assert.deepEqual(s.stats(), { open: 0, idle: 0, closed: 3 });
    assert.equal(s.format(), '15,17,19');
    consistent(s);
  });

  it(`retains DEFAULT_MAX_RETAINED_CLOSED (${DEFAULT_MAX_RETAINED_CLOSED}) closed streams by default`, () => {
    const s = tree();
    for (let k = 0; k <= DEFAULT_MAX_RETAINED_CLOSED; k++) {
      s.open(2 * k + 1, { weight: 8 });
      s.close(2 * k + 1);
    }
    assert.equal(s.stats().closed, DEFAULT_MAX_RETAINED_CLOSED);
    assert.equal(s.inspect(1), undefined);
    assert.equal(s.inspect(3)?.state, 'closed');
  });

  it('a closed leaf under the root at the default weight is forgotten at once; a late dependant finds the same default place', () => {
    const s = tree();
    s.open(A);
    s.close(A);
    assert.deepEqual(s.stats(), { open: 0, idle: 0, closed: 0 });
    assert.equal(s.inspect(A), undefined);
    // A leaf with a non-default weight, or one with children, is retained (§5.3.4).
    s.open(B, { weight: 8 });
    s.close(B);
    assert.equal(s.inspect(B)?.state, 'closed');
    s.open(C);
    s.open(D, { dependsOn: C });
    s.close(C);
    assert.equal(s.inspect(C)?.state, 'closed');
    // Naming the forgotten one places a default placeholder under the root: where it was.
    s.open(E, { dependsOn: A, weight: 200 });
    assert.deepEqual(s.inspect(A), { parent: 0, weight: 16, state: 'idle', ready: false });
    consistent(s);
  });

  it('a dependency that arrives after its parent was dropped hangs under a default placeholder', () => {
    const s = tree({ maxRetainedClosed: 0 });
    s.open(A);
    s.close(A);
    s.open(B);
    s.open(C, { dependsOn: A, weight: 200 });
    assert.equal(s.format(name), 'A(C),B');
    assert.deepEqual(s.inspect(A), { parent: 0, weight: 16, state: 'idle', ready: false });
    ready(s, B, C);
    // The placeholder has the default weight: C competes like a default-priority stream.
    assert.equal(shares(s, 100), 'B:50,C:50');
  });
});

describe('rfc7540 scheduler: idle placeholder nodes', () => {
  it('builds grouping nodes from PRIORITY frames for idle streams, as Firefox did', () => {
    // PRIORITY 3←0 w201, 5←0 w101, 7←0 w1, 9←7 w1, 11←3 w1; HEADERS 13←11 w22, 15←3 w22, 17←3 w22.
    const s = tree();
    s.reprioritize(3, { dependsOn: 0, weight: 201 });
    s.reprioritize(5, { dependsOn: 0, weight: 101 });
    s.reprioritize(7, { dependsOn: 0, weight: 1 });
    s.reprioritize(9, { dependsOn: 7, weight: 1 });
    s.reprioritize(11, { dependsOn: 3, weight: 1 });
    assert.deepEqual(s.stats(), { open: 0, idle: 5, closed: 0 });
    // The requests: 13 = G, 15 = H, 17 = I.
    s.open(13, { dependsOn: 11, weight: 22 });
    s.setReady(13, true);
    assert.equal(serve(s, 3), 'G,G,G');
    s.open(15, { dependsOn: 3, weight: 22 });
    s.open(17, { dependsOn: 3, weight: 22 });
    ready(s, 15, 17);
    assert.equal(s.format(), '3(11(13),15,17),5,7(9)');
    // 13 sits under the weight-1 group 11, beside 15 and 17 at weight 22 each.
    assert.equal(serve(s, 6), 'H,I,H,I,H,I');
    // 1/45 of the bandwidth for G, within one frame (the window starts mid-round).
    const got = shares(s, 450).split(',').map((x) => Number(x.split(':')[1]));
    assert.ok(Math.abs((got[0] as number) - 10) <= 1 && Math.abs((got[1] as number) - 220) <= 1, String(got));
    s.close(15);
    s.close(17);
    assert.equal(serve(s, 3), 'G,G,G');
    consistent(s);
  });

  it('a stream opened after a PRIORITY frame keeps that placement unless its HEADERS says otherwise', () => {
    const s = tree();
    s.open(A);
    s.reprioritize(C, { dependsOn: A, weight: 99 });
    assert.equal(s.inspect(C)?.state, 'idle');
    s.open(C);
    assert.deepEqual(s.inspect(C), { parent: A, weight: 99, state: 'open', ready: false });
    s.reprioritize(E, { dependsOn: A, weight: 99 });
    s.open(E, { dependsOn: 0, weight: 5 });
    assert.deepEqual(s.inspect(E), { parent: 0, weight: 5, state: 'open', ready: false });
  });

  it('creates a placeholder with the default priority for a dependency on an unknown stream', () => {
    const s = tree();
    s.open(B, { dependsOn: 99, weight: 3 });
    assert.equal(s.format(), '99(3)');
    assert.deepEqual(s.inspect(99), { parent: 0, weight: 16, state: 'idle', ready: false });
  });

  it('keeps at most maxNodes placeholders, evicting the least recently used idle one', () => {
    const s = tree({ maxNodes: 3 });
    s.reprioritize(101, { weight: 1 });
    s.reprioritize(103, { weight: 1 });
    s.reprioritize(105, { weight: 1 });
    s.reprioritize(101, { weight: 2 }); // touched: now the most recent
    s.reprioritize(107, { weight: 1 });
    assert.deepEqual(s.stats(), { open: 0, idle: 3, closed: 0 });
    assert.equal(s.format(), '101,105,107');
    consistent(s);
  });

  it('when placeholders overflow, closed streams go before idle grouping nodes', () => {
    const s = tree({ maxNodes: 3, maxRetainedClosed: 3 });
    s.reprioritize(101, { weight: 1 });
    s.reprioritize(103, { weight: 1 });
    s.open(A, { weight: 8 });
    s.close(A);
    s.open(B, { weight: 8 });
    s.close(B);
    assert.equal(s.format(name), 'B,101,103');
    assert.deepEqual(s.stats(), { open: 0, idle: 2, closed: 1 });
  });

  it('an evicted placeholder hands its children to its parent with its weight', () => {
    const s = tree({ maxNodes: 1 });
    s.reprioritize(101, { weight: 64 });
    s.open(A, { dependsOn: 101, weight: 16 });
    s.open(B, { dependsOn: 101, weight: 48 });
    s.reprioritize(103, { weight: 1 });
    assert.equal(s.format(name), 'A,B,103');
    assert.equal(s.inspect(A)?.weight, 16);
    assert.equal(s.inspect(B)?.weight, 48);
    consistent(s);
  });

  it(`keeps DEFAULT_MAX_NODES (${DEFAULT_MAX_NODES}) placeholders by default against a PRIORITY flood`, () => {
    const s = tree();
    for (let k = 0; k < 10 * DEFAULT_MAX_NODES; k++) s.reprioritize(2 * k + 1, { dependsOn: 2 * k + 3, weight: 1 + (k % 256) });
    const { idle, closed } = s.stats();
    assert.equal(idle + closed, DEFAULT_MAX_NODES);
    consistent(s);
  });

  it('maxNodes 0 keeps nothing for idle streams: dependants get the default priority', () => {
    const s = tree({ maxNodes: 0 });
    assert.equal(s.reprioritize(A, { weight: 7 }), true);
    assert.equal(s.inspect(A), undefined);
    s.open(B, { dependsOn: A, weight: 200 });
    assert.deepEqual(s.inspect(B), { parent: 0, weight: 16, state: 'open', ready: false });
  });
});

describe('rfc7540 scheduler: arithmetic and misuse', () => {
  it('stays proportional across clock renormalisation with maximal charges', () => {
    const s = tree();
    s.open(A, { weight: 1 });
    s.open(B, { weight: 2 });
    s.open(C, { dependsOn: A, weight: 1 });
    ready(s, B, C);
    // Each charge moves weight-1 clocks by ~2^47.5: renormalisation happens every few frames.
    assert.equal(shares(s, 3000, { bytes: 2 ** 40 }), 'B:2000,C:1000');
    assert.equal(MAX_CHARGE_BYTES, 2 ** 24);
    consistent(s);
  });

  it('throws ERR_OUT_OF_RANGE for impossible stream ids and limits', () => {
    const s = tree();
    for (const bad of [0, -1, 1.5, 2 ** 31, Number.NaN]) {
      assert.throws(() => s.open(bad), { code: 'ERR_OUT_OF_RANGE', name: 'RangeError' });
      assert.throws(() => s.reprioritize(bad, {}), { code: 'ERR_OUT_OF_RANGE' });
    }
    assert.throws(() => s.open(A, { dependsOn: -3 }), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => tree({ maxNodes: -1 }), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => tree({ maxRetainedClosed: 1.5 }), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => createScheduler('spdy' as 'rfc7540'), { code: 'ERR_INVALID_ARG_VALUE', name: 'TypeError' });
  });

  it('re-opening a closed id (never done by a conforming engine) keeps the tree sound', () => {
    const s = tree();
    s.open(A);
    s.open(B, { dependsOn: A });
    s.close(A);
    s.open(A);
    assert.equal(s.inspect(A)?.state, 'open');
    assert.deepEqual(s.stats(), { open: 2, idle: 0, closed: 0 });
    consistent(s);
  });
});
