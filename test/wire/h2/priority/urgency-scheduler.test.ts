/**
 * RFC 9218 urgency/incremental scheduler: the service order as strings.
 * Streams A, B, C, … are ids 1, 3, 5, …; unless said otherwise every frame carries 16384 bytes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createScheduler, DEFAULT_MAX_NODES, UrgencyScheduler } from '../../../../src/wire/h2/priority/index.js';
import { A, B, C, D, E, F, ready, serve, shares } from './service.js';

describe('rfc9218 scheduler: urgency', () => {
  it('serves lower urgency first, whatever the order of opening', () => {
    const s = createScheduler('rfc9218');
    s.open(A, { urgency: 5 });
    s.open(B, { urgency: 0 });
    s.open(C); // default urgency 3
    ready(s, A, B, C);
    assert.equal(serve(s, 6, { frames: new Map([[A, 2], [B, 2], [C, 2]]) }), 'B,B,C,C,A,A');
  });

  it('a more urgent stream that becomes ready takes over at the next frame', () => {
    const s = new UrgencyScheduler();
    s.open(A, { urgency: 7 });
    s.open(B, { urgency: 1 });
    s.setReady(A, true);
    assert.equal(serve(s, 2), 'A,A');
    s.setReady(B, true);
    assert.equal(serve(s, 2), 'B,B');
    s.setReady(B, false);
    assert.equal(serve(s, 1), 'A');
  });

  it('clamps urgencies outside 0..7', () => {
    const s = new UrgencyScheduler();
    s.open(A, { urgency: -4 });
    s.open(B, { urgency: 42 });
    s.open(C, { urgency: Number.NaN });
    assert.deepEqual(s.priorityOf(A), { urgency: 0, incremental: false });
    assert.deepEqual(s.priorityOf(B), { urgency: 7, incremental: false });
    assert.deepEqual(s.priorityOf(C), { urgency: 3, incremental: false });
  });
});

describe('rfc9218 scheduler: incremental', () => {
  it('serves non-incremental streams one at a time in stream-id order', () => {
    const s = new UrgencyScheduler();
    for (const id of [C, A, B]) s.open(id);
    ready(s, C, B, A);
    assert.equal(serve(s, 9, { frames: new Map([[A, 3], [B, 3], [C, 3]]) }), 'A,A,A,B,B,B,C,C,C');
  });

  it('a lower id that becomes ready goes before the one in progress (§10: ascending stream id)', () => {
    const s = new UrgencyScheduler();
    s.open(A);
    s.open(B);
    s.setReady(B, true);
    assert.equal(serve(s, 2), 'B,B');
    s.setReady(A, true);
    assert.equal(serve(s, 2, { frames: new Map([[A, 2]]) }), 'A,A');
    assert.equal(serve(s, 1), 'B');
  });

  it('round-robins incremental streams of the same urgency', () => {
    const s = new UrgencyScheduler();
    for (const id of [A, B, C]) s.open(id, { urgency: 4, incremental: true });
    ready(s, A, B, C);
    assert.equal(serve(s, 7), 'A,B,C,A,B,C,A');
  });

  it('shares incremental bandwidth by bytes, not frames', () => {
    const s = new UrgencyScheduler();
    s.open(A, { incremental: true });
    s.open(B, { incremental: true });
    ready(s, A, B);
    assert.equal(shares(s, 300, { bytes: (id) => (id === A ? 16384 : 8192) }), 'A:100,B:200');
  });

  it('mixes the non-incremental queue with incremental streams as one more turn-taker', () => {
    const s = new UrgencyScheduler();
    s.open(A);
    s.open(B);
    s.open(C, { incremental: true });
    s.open(D, { incremental: true });
    ready(s, A, B, C, D);
    // A and B one after the other, taking one turn in three beside C and D: neither kind starves.
    assert.equal(serve(s, 12, { frames: new Map([[A, 2], [B, 2], [C, 10], [D, 10]]) }), 'A,C,D,A,C,D,B,C,D,B,C,D');
  });

  it('a stream that leaves and comes back banks no credit', () => {
    const s = new UrgencyScheduler();
    for (const id of [A, B, C]) s.open(id, { incremental: true });
    ready(s, A, B, C);
    assert.equal(serve(s, 3), 'A,B,C');
    s.setReady(B, false);
    assert.equal(serve(s, 6), 'A,C,A,C,A,C');
    s.setReady(B, true);
    assert.equal(serve(s, 6), 'B,A,C,B,A,C');
  });

  it('pop has no side effect; zero-length frames still cost a turn', () => {
    const s = new UrgencyScheduler();
    s.open(A, { incremental: true });
    s.open(B, { incremental: true });
    ready(s, A, B);
    assert.equal(s.pop(), A);
    assert.equal(s.pop(), A);
    assert.equal(serve(s, 4, { bytes: 0 }), 'A,B,A,B');
  });
});

describe('rfc9218 scheduler: reprioritisation (PRIORITY_UPDATE)', () => {
  it('moves a ready stream to its new urgency at once', () => {
    const s = new UrgencyScheduler();
    s.open(A, { urgency: 7 });
    s.open(B, { urgency: 3 });
    ready(s, A, B);
    assert.equal(serve(s, 2), 'B,B');
    s.reprioritize(A, { urgency: 0 });
    assert.equal(serve(s, 2), 'A,A');
  });

  it('treats each update as a complete set: an omitted parameter returns to its default', () => {
    const s = new UrgencyScheduler();
    s.open(A, { urgency: 1, incremental: true });
    s.reprioritize(A, { urgency: 2 });
    assert.deepEqual(s.priorityOf(A), { urgency: 2, incremental: false });
    s.reprioritize(A, { incremental: true });
    assert.deepEqual(s.priorityOf(A), { urgency: 3, incremental: true });
    // RFC 7540 fields alone are not an RFC 9218 signal: nothing changes.
    assert.equal(s.reprioritize(A, { dependsOn: C, weight: 200 }), true);
    assert.deepEqual(s.priorityOf(A), { urgency: 3, incremental: true });
  });

  it('switches a ready stream between incremental and not', () => {
    const s = new UrgencyScheduler();
    s.open(A);
    s.open(B, { incremental: true });
    s.open(C, { incremental: true });
    ready(s, A, B, C);
    assert.equal(serve(s, 3), 'A,B,C');
    s.reprioritize(B, { incremental: false });
    // A and B are now one queue, in id order, taking turns with C.
    assert.equal(serve(s, 4), 'A,C,A,C');
    s.setReady(A, false);
    assert.equal(serve(s, 2), 'B,C');
  });

  it('buffers an update for a stream not open yet; it wins over the priority header (§7)', () => {
    const s = new UrgencyScheduler();
    assert.equal(s.reprioritize(C, { urgency: 0, incremental: true }), true);
    assert.deepEqual(s.stats(), { open: 0, pending: 1 });
    s.open(C, { urgency: 6 });
    assert.deepEqual(s.priorityOf(C), { urgency: 0, incremental: true });
    assert.deepEqual(s.stats(), { open: 1, pending: 0 });
  });

  it('discards updates for streams already closed, and those made moot by a higher id', () => {
    const s = new UrgencyScheduler();
    s.open(E);
    s.close(E);
    s.reprioritize(C, { urgency: 1 }); // below the highest opened client id: closed
    s.reprioritize(E, { urgency: 1 }); // closed
    s.reprioritize(2, { urgency: 1 }); // a server id: its own space
    assert.deepEqual(s.stats(), { open: 0, pending: 1 });
    s.reprioritize(F, { urgency: 1 });
    s.reprioritize(F + 4, { urgency: 1 });
    assert.equal(s.stats().pending, 3);
    // Opening F+2 implicitly closes idle F (RFC 9113 §5.1.1): its update can never apply.
    s.open(F + 2);
    assert.equal(s.stats().pending, 2);
  });

  it('keeps at most maxNodes buffered updates, the least recently received going first', () => {
    const s = new UrgencyScheduler({ maxNodes: 2 });
    s.reprioritize(101, { urgency: 0 });
    s.reprioritize(103, { urgency: 1 });
    s.reprioritize(101, { urgency: 2 });
    s.reprioritize(105, { urgency: 4 });
    assert.equal(s.stats().pending, 2);
    s.open(101);
    s.open(103);
    s.open(105);
    assert.deepEqual(s.priorityOf(105), { urgency: 4, incremental: false });
    assert.deepEqual(s.priorityOf(103), { urgency: 3, incremental: false }); // evicted: default
    assert.deepEqual(s.priorityOf(101), { urgency: 2, incremental: false });
  });

  it(`keeps DEFAULT_MAX_NODES (${DEFAULT_MAX_NODES}) buffered updates by default against a flood`, () => {
    const s = new UrgencyScheduler();
    for (let k = 0; k < 10 * DEFAULT_MAX_NODES; k++) s.reprioritize(2 * k + 1, { urgency: k % 8 });
    assert.equal(s.stats().pending, DEFAULT_MAX_NODES);
  });

  it('reports a self-dependency like the tree scheduler does', () => {
    const s = new UrgencyScheduler();
    assert.equal(s.open(A, { dependsOn: A, urgency: 1 }), false);
    assert.deepEqual(s.priorityOf(A), { urgency: 1, incremental: false });
    assert.equal(s.reprioritize(A, { dependsOn: A, urgency: 5 }), false);
    assert.deepEqual(s.priorityOf(A), { urgency: 1, incremental: false });
  });

  it('a HEADERS on an open stream carrying priority updates it; close forgets it', () => {
    const s = new UrgencyScheduler();
    s.open(A, { urgency: 2 });
    s.open(A, { urgency: 6, incremental: true });
    assert.deepEqual(s.priorityOf(A), { urgency: 6, incremental: true });
    s.setReady(A, true);
    s.close(A);
    assert.equal(s.priorityOf(A), undefined);
    assert.equal(s.pop(), 0);
    s.setReady(A, true);
    s.charge(A, 100);
    assert.equal(s.pop(), 0);
  });

  it('throws for impossible ids and limits', () => {
    const s = new UrgencyScheduler();
    assert.throws(() => s.open(0), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => s.reprioritize(2 ** 31, { urgency: 1 }), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => new UrgencyScheduler({ maxNodes: -2 }), { code: 'ERR_OUT_OF_RANGE' });
  });
});
