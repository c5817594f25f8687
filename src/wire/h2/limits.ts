/**
 * Abuse limits of the HTTP/2 engine: each is a named constant (the default), an option of
 * `H2Connection`, and a test that crosses it (`test/wire/h2/abuse.test.ts`).
 *
 * Rate limits are token buckets, as nghttp2 does it: a burst that legitimate peers never reach, and
 * a refill rate per second. The engine reads time through the `now` option (no timers in wire/).
 */

/** Rapid reset (CVE-2023-44487) and "made you reset" (CVE-2025-8671): RST_STREAMs received plus
 *  stream errors the peer makes us send, as a burst. nghttp2's default. */
export const DEFAULT_RESET_BURST = 1000;
/** Refill of the reset bucket, per second (nghttp2's default). */
export const DEFAULT_RESET_RATE = 33;
/** "Glitches": frames that cost us work and serve no purpose (empty DATA without END_STREAM,
 *  unsolicited PING/SETTINGS ACKs, PRIORITY churn for streams that are not open). Burst. */
export const DEFAULT_GLITCH_BURST = 1000;
/** Refill of the glitch bucket, per second. */
export const DEFAULT_GLITCH_RATE = 33;
/** CONTINUATION flood (CVE-2024-27316 family): frames in one field block beyond HEADERS. */
export const DEFAULT_MAX_CONTINUATION_FRAMES = 16;
/** Compressed bytes buffered for one field block before it can be decoded. */
export const DEFAULT_MAX_HEADER_BLOCK_SIZE = 128 * 1024;
/** SETTINGS/PING floods: ACKs queued and not yet taken by `takeOutput()` (nghttp2: 1000). */
export const DEFAULT_MAX_OUTSTANDING_ACKS = 1000;
/** Entries in one SETTINGS frame (nghttp2: 32): a peer has 8 settings to send. */
export const DEFAULT_MAX_SETTINGS_ENTRIES = 32;
/** Our SETTINGS_MAX_CONCURRENT_STREAMS: streams the peer may have open at once. */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 100;
/** Our SETTINGS_MAX_HEADER_LIST_SIZE (and the HPACK decoder's limit): HPACK bombs stop here.
 *  One constant, the HPACK module's (64 KiB). */
export { DEFAULT_MAX_HEADER_LIST_SIZE } from './hpack/decoder.js';
/** Client side: pushed streams in reserved (remote) state at once; more are refused. */
export const DEFAULT_MAX_RESERVED_PUSHES = 100;
/** Closed streams remembered (with how they closed) to judge late frames; older ones are forgotten. */
export const DEFAULT_MAX_CLOSED_STREAMS = 256;
/** Connection receive window we open with WINDOW_UPDATE after the preface (RFC 9113 §6.9.2 starts
 *  it at 65,535, too small for one fast stream). */
export const DEFAULT_CONNECTION_WINDOW_SIZE = 1 << 20;

/**
 * A token bucket: `take()` is false when the burst is spent faster than the rate refills it.
 *
 * @example
 * const resets = new TokenBucket(1000, 33, Date.now());
 * if (!resets.take(Date.now())) goaway(ENHANCE_YOUR_CALM);
 */
export class TokenBucket {
  readonly burst: number;
  readonly ratePerSecond: number;
  #tokens: number;
  #last: number;

  constructor(burst: number, ratePerSecond: number, now: number) {
    this.burst = burst;
    this.ratePerSecond = ratePerSecond;
    this.#tokens = burst;
    this.#last = now;
  }

  /** Spends one token; false when none is left. */
  take(now: number): boolean {
    const elapsed = now - this.#last;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.ratePerSecond) / 1000);
      this.#last = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
