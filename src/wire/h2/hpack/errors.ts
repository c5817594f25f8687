/**
 * The one error HPACK throws for bad peer input.
 *
 * Two codes, two scopes:
 * - `COMPRESSION_ERROR`: the block broke an RFC 7541 rule. The decoder's dynamic table can no
 *   longer be trusted, so the decoder refuses every later block and the connection must end with
 *   GOAWAY(COMPRESSION_ERROR) (RFC 9113 §4.3).
 * - `HEADER_LIST_TOO_LARGE`: the block was valid and was decoded to its end (the dynamic table is
 *   in sync with the peer's encoder), but the header list is larger than `maxHeaderListSize`. The
 *   connection may refuse that one stream (RST_STREAM or a 431 response) and carry on.
 */
import { TramaError } from '../../shared/errors.js';

/** The codes an {@link HpackError} carries. */
export type HpackErrorCode = 'COMPRESSION_ERROR' | 'HEADER_LIST_TOO_LARGE';

/**
 * A decoding fault in a header block.
 *
 * @example
 * try {
 *   decoder.decode(block);
 * } catch (err) {
 *   if (err instanceof HpackError && err.code === 'HEADER_LIST_TOO_LARGE') refuseStream(431);
 *   else goAway('COMPRESSION_ERROR');
 * }
 */
export class HpackError extends TramaError {
  declare readonly code: HpackErrorCode;
  /** Offset in the block where the fault was found (the block's length for a list-size fault). */
  readonly offset: number;
  constructor(code: HpackErrorCode, message: string, offset: number) {
    super(code, `${message} (at octet ${offset})`);
    this.offset = offset;
  }
}
