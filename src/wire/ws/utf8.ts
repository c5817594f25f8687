/**
 * Incremental UTF-8 validation (RFC 3629 §4, as RFC 6455 §8.1 requires for text messages and
 * close reasons) that fails fast: a byte that can start no valid sequence fails at that byte,
 * even when the rest of the message has not arrived (RFC 6455 §8.1: "fail the WebSocket
 * connection" as soon as invalid data is seen).
 *
 * The bulk of each chunk goes to node's native `buffer.isUtf8`; only a sequence cut by a chunk
 * boundary is walked here, byte by byte, with the RFC 3629 ranges.
 */
import { isUtf8 } from 'node:buffer';

/**
 * Is `b` a valid byte at position `i` (1..3) of a sequence whose lead byte is `lead`?
 * RFC 3629 §4: the second byte's range depends on the lead (no overlongs, no surrogates, ≤ U+10FFFF).
 */
function validContinuation(lead: number, i: number, b: number): boolean {
  if (i > 1) return b >= 0x80 && b <= 0xbf;
  if (lead === 0xe0) return b >= 0xa0 && b <= 0xbf;
  if (lead === 0xed) return b >= 0x80 && b <= 0x9f;
  if (lead === 0xf0) return b >= 0x90 && b <= 0xbf;
  if (lead === 0xf4) return b >= 0x80 && b <= 0x8f;
  return b >= 0x80 && b <= 0xbf;
}

/** Length of the sequence a lead byte opens, 0 if it can open none. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * Validates a byte stream fed in pieces.
 *
 * @example
 * const v = new Utf8Validator();
 * v.feed(Buffer.from([0xe2, 0x82])); // true: a valid prefix
 * v.feed(Buffer.from([0xac]));       // true: '€' complete
 * v.end();                           // true: nothing left open
 */
export class Utf8Validator {
  /** Lead byte of a sequence cut by a chunk boundary, or -1. */
  #lead = -1;
  /** How many bytes of that sequence we have seen, and how many it needs. */
  #have = 0;
  #need = 0;

  /** Feed `bytes[start, end)`; false as soon as they cannot be part of valid UTF-8. */
  feed(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
    let i = start;
    // Finish a sequence left open by the previous chunk.
    while (this.#lead !== -1 && i < end) {
      if (!validContinuation(this.#lead, this.#have, bytes[i]!)) return false;
      i++;
      if (++this.#have === this.#need) this.#lead = -1;
    }
    if (i >= end) return true;
    // Find where the last (possibly incomplete) sequence starts: at most 3 bytes back.
    let tail = end;
    for (let k = end - 1; k >= i && k >= end - 3; k--) {
      const b = bytes[k]!;
      if (b < 0x80) break;
      if (b >= 0xc0) {
        const n = sequenceLength(b);
        if (n === 0) return false;
        if (k + n > end) tail = k;
        break;
      }
    }
    if (tail > i && !isUtf8(bytes.subarray(i, tail))) return false;
    if (tail < end) {
      // An incomplete sequence at the end: check it is a valid prefix now (fail fast).
      const lead = bytes[tail]!;
      const n = sequenceLength(lead);
      for (let k = tail + 1; k < end; k++) if (!validContinuation(lead, k - tail, bytes[k]!)) return false;
      this.#lead = lead;
      this.#have = end - tail;
      this.#need = n;
    }
    return true;
  }

  /** The stream ended: false if a sequence is left incomplete. Resets for the next stream. */
  end(): boolean {
    const ok = this.#lead === -1;
    this.#lead = -1;
    return ok;
  }

  /** Forget any open sequence. */
  reset(): void {
    this.#lead = -1;
  }
}

/**
 * Is the whole of `bytes` valid UTF-8?
 *
 * @example
 * isValidUtf8(Buffer.from('héllo')); // true
 */
export function isValidUtf8(bytes: Uint8Array): boolean {
  return isUtf8(bytes);
}
