/**
 * Shared shapes and limits of the HTTP/2 priority schedulers.
 */

/**
 * A priority signal, from whichever source carried it: a HEADERS frame with the PRIORITY flag or a
 * PRIORITY frame (RFC 7540 fields), a `priority` header or a PRIORITY_UPDATE frame (RFC 9218
 * fields). Each scheduler reads only its own fields and ignores the others.
 */
export interface PrioritySpec {
  /** RFC 7540 §5.3.1: the parent stream; 0 (the root) when absent. */
  dependsOn?: number;
  /** RFC 7540 §5.3.2: 1..256, 16 when absent. Out-of-range values are clamped. */
  weight?: number;
  /** RFC 7540 §5.3.1: become the sole child of the parent, adopting its other children. */
  exclusive?: boolean;
  /** RFC 9218 §4.1: 0 (most urgent) .. 7, 3 when absent. Out-of-range values are clamped. */
  urgency?: number;
  /** RFC 9218 §4.2: the response is useful in pieces, false when absent. */
  incremental?: boolean;
}

/**
 * The scheduler the connection engine asks "which stream gets the next DATA frame?".
 *
 * The engine reports stream life (`open`, `close`), priority signals (`reprioritize`),
 * sendability (`setReady`: DATA queued AND flow-control window available) and what it wrote
 * (`charge`); `pop` answers without changing any state, so asking twice gives the same answer.
 */
export interface H2Scheduler {
  /**
   * A stream opens (HEADERS sent or received), optionally with the priority it carried.
   * Returns false when the signal is a self-dependency (RFC 7540 §5.3.1: the caller answers with a
   * stream error of type PROTOCOL_ERROR); the stream is open anyway, with its previous or default
   * priority.
   */
  open(id: number, spec?: PrioritySpec): boolean;
  /**
   * A PRIORITY frame or PRIORITY_UPDATE frame for `id`, which may be idle (a placeholder node is
   * kept, within limits), open or closed. Returns false for a self-dependency (see `open`); the
   * tree is then unchanged.
   */
  reprioritize(id: number, spec: PrioritySpec): boolean;
  /** The stream closed: it is never served again; its priority state may be retained a while. */
  close(id: number): void;
  /** Whether the stream has DATA queued and window to send it. Ignored for streams not open. */
  setReady(id: number, ready: boolean): void;
  /** The next stream to write ONE frame for; 0 when none is ready. Does not change state. */
  pop(): number;
  /** The caller wrote `bytes` DATA bytes (one frame) for `id`: its share is consumed. */
  charge(id: number, bytes: number): void;
}

/** Limits for `createScheduler`; each defaults to the constant of the same name. */
export interface SchedulerOptions {
  /**
   * Closed streams whose priority state is retained (RFC 7540 §5.3.4), oldest dropped first.
   * Default {@link DEFAULT_MAX_RETAINED_CLOSED}. Ignored by the RFC 9218 scheduler (no tree).
   */
  maxRetainedClosed?: number;
  /**
   * Nodes kept for streams that are not open: idle placeholders plus retained closed streams.
   * Beyond it the oldest closed node goes first, then the least recently used idle one.
   * For the RFC 9218 scheduler: buffered PRIORITY_UPDATEs for idle streams.
   * Default {@link DEFAULT_MAX_NODES}.
   */
  maxNodes?: number;
}

/** The default weight of RFC 7540 §5.3.5. */
export const DEFAULT_WEIGHT = 16;
/** RFC 7540 §5.3.2: weights are 1..256. */
export const MIN_WEIGHT = 1;
export const MAX_WEIGHT = 256;
/** RFC 9218 §4.1: urgency 0..7, default 3. */
export const DEFAULT_URGENCY = 3;
export const MAX_URGENCY = 7;

/**
 * Closed streams retained in the tree. RFC 7540 §5.3.4 asks for at least as many as
 * SETTINGS_MAX_CONCURRENT_STREAMS; 100 matches the common server default for that setting.
 */
export const DEFAULT_MAX_RETAINED_CLOSED = 100;
/**
 * Nodes for streams that are not open (idle placeholders + retained closed). Bounds the memory a
 * peer can pin with PRIORITY frames for idle streams, and with it the tree depth that `pop` walks.
 * Twice the retained-closed default, so grouping nodes (Firefox creates five) survive closes.
 */
export const DEFAULT_MAX_NODES = 200;
/**
 * A charge larger than one maximal frame (SETTINGS_MAX_FRAME_SIZE ≤ 2^24-1, RFC 9113 §6.5.2) is
 * clamped to this, which keeps every virtual-time step exact in double arithmetic.
 */
export const MAX_CHARGE_BYTES = 1 << 24;
/**
 * Every frame costs its 9-byte header too (RFC 9113 §4.1), so a zero-length DATA frame still
 * consumes a turn and cannot pin the scheduler on one stream.
 */
export const FRAME_HEADER_BYTES = 9;
