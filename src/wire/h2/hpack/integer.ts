/**
 * RFC 7541 §5.1 integer representation: an N-bit prefix, then 7-bit continuation octets.
 *
 * Limits (RFC 7541 §5.1 and §7.4: "Integer encodings that exceed implementation limits -- in
 * value or octet length -- MUST be treated as decoding errors"): a value never exceeds
 * {@link HPACK_MAX_INTEGER} (2^32 - 1, the largest SETTINGS value, so any table size a peer may
 * announce still fits) and at most {@link HPACK_MAX_INTEGER_CONTINUATIONS} continuation octets
 * are read (enough for 2^32 - 1 after any prefix; more can only be zero padding).
 */
import { nodeError } from '../../shared/errors.js';

/** Largest integer accepted: table sizes are SETTINGS values (32 bits); indexes and lengths are far smaller. */
export const HPACK_MAX_INTEGER = 0xffff_ffff;
/**
 * Validate a size given by the application (table size, limits): an integer in 0..2^32 - 1, the
 * range HPACK can carry. Local misuse, so a node-style RangeError, not an HpackError.
 *
 * @example
 * checkSizeArgument('maxTableSize', 4096); // 4096
 * checkSizeArgument('maxTableSize', -1); // throws RangeError [ERR_OUT_OF_RANGE]
 */
export function checkSizeArgument(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > HPACK_MAX_INTEGER) {
    throw nodeError(
      RangeError,
      'ERR_OUT_OF_RANGE',
      `The value of "${name}" is out of range. It must be an integer >= 0 && <= ${HPACK_MAX_INTEGER}. Received ${String(value)}`,
    );
  }
  return value;
}

/** Most continuation octets after the prefix: 5 × 7 = 35 bits already covers {@link HPACK_MAX_INTEGER}. */
export const HPACK_MAX_INTEGER_CONTINUATIONS = 5;

/** Result slot for {@link decodeInteger}: the position after the integer (avoids a per-call allocation). */
export interface IntegerCursor {
  /** Read/write position in the block. */
  pos: number;
}

/**
 * Decode an integer whose N-bit prefix is in `block[cursor.pos]` (the flag bits above the prefix
 * are ignored). Advances `cursor.pos`. Returns -1 when the input ends before the integer does,
 * -2 when it exceeds the limits above; the caller turns those into its own error.
 *
 * @example
 * const cur = { pos: 0 };
 * decodeInteger(Uint8Array.of(0x1f, 0x9a, 0x0a), cur, 5); // 1337 (RFC 7541 C.1.2), cur.pos === 3
 */
export function decodeInteger(block: Uint8Array, cursor: IntegerCursor, prefixBits: number): number {
  let pos = cursor.pos;
  const max = (1 << prefixBits) - 1;
  let value = block[pos++]! & max;
  if (value < max) {
    cursor.pos = pos;
    return value;
  }
  // Multiplication, not shifts: the value may pass 2^31 and JS shifts are 32-bit signed.
  let factor = 1;
  for (let n = 0; n < HPACK_MAX_INTEGER_CONTINUATIONS; n++) {
    if (pos >= block.length) return -1;
    const b = block[pos++]!;
    value += (b & 0x7f) * factor;
    if (value > HPACK_MAX_INTEGER) return -2;
    if ((b & 0x80) === 0) {
      cursor.pos = pos;
      return value;
    }
    factor *= 128;
  }
  return -2;
}

/**
 * Write `value` with an N-bit prefix at `out[pos]`, OR-ing `flags` into the first octet.
 * Returns the position after it. `out` must have room (at most 1 + 5 octets for 32-bit values).
 *
 * @example
 * const out = Buffer.alloc(6);
 * encodeInteger(out, 0, 1337, 5, 0); // 3: out = 1f 9a 0a (RFC 7541 C.1.2)
 */
export function encodeInteger(out: Uint8Array, pos: number, value: number, prefixBits: number, flags: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out[pos++] = flags | value;
    return pos;
  }
  out[pos++] = flags | max;
  value -= max;
  while (value >= 128) {
    out[pos++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  out[pos++] = value;
  return pos;
}
