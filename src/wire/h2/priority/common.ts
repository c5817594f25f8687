/**
 * Argument checks and clamps shared by both schedulers.
 *
 * Stream ids come from the connection engine, which has already rejected what the peer may not
 * send (stream 0 in a PRIORITY frame is a connection error, RFC 9113 §6.3), so an id outside
 * 1..2^31-1 here is local misuse and throws. Priority values, on the other hand, come straight
 * from peer bytes or from a header, so they are clamped, never thrown on.
 */
import { nodeError } from '../../shared/errors.js';
import { MAX_STREAM_ID } from '../constants.js';
import {
  DEFAULT_URGENCY,
  DEFAULT_WEIGHT,
  FRAME_HEADER_BYTES,
  MAX_CHARGE_BYTES,
  MAX_URGENCY,
  MAX_WEIGHT,
  MIN_WEIGHT,
  type PrioritySpec,
} from './types.js';

export function checkStreamId(name: string, id: number, allowZero: boolean): void {
  if (!Number.isInteger(id) || id < (allowZero ? 0 : 1) || id > MAX_STREAM_ID) {
    throw nodeError(
      RangeError,
      'ERR_OUT_OF_RANGE',
      `The value of "${name}" is out of range. It must be >= ${allowZero ? 0 : 1} && <= ${MAX_STREAM_ID}. Received ${String(id)}`,
    );
  }
}

export function checkLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw nodeError(
      RangeError,
      'ERR_OUT_OF_RANGE',
      `The value of "options.${name}" is out of range. It must be a non-negative integer. Received ${String(value)}`,
    );
  }
  return value;
}

/** RFC 7540 §5.3.2: weights are 1..256; anything else is brought into range (NaN → default). */
export function clampWeight(weight: number | undefined): number {
  if (weight === undefined || Number.isNaN(weight)) return DEFAULT_WEIGHT;
  const w = Math.trunc(weight);
  return w < MIN_WEIGHT ? MIN_WEIGHT : w > MAX_WEIGHT ? MAX_WEIGHT : w;
}

/** RFC 9218 §4.1: urgency is 0..7; anything else is brought into range (NaN → default). */
export function clampUrgency(urgency: number | undefined): number {
  if (urgency === undefined || Number.isNaN(urgency)) return DEFAULT_URGENCY;
  const u = Math.trunc(urgency);
  return u < 0 ? 0 : u > MAX_URGENCY ? MAX_URGENCY : u;
}

/** The cost of one frame carrying `bytes` of DATA: its header plus the payload, clamped. */
export function frameCost(bytes: number): number {
  const b = Number.isFinite(bytes) && bytes > 0 ? Math.min(Math.trunc(bytes), MAX_CHARGE_BYTES) : 0;
  return b + FRAME_HEADER_BYTES;
}

/** Whether a spec carries RFC 7540 tree fields (a HEADERS PRIORITY flag or a PRIORITY frame). */
export function hasTreeFields(spec: PrioritySpec | undefined): spec is PrioritySpec {
  return spec !== undefined && (spec.dependsOn !== undefined || spec.weight !== undefined || spec.exclusive !== undefined);
}

/** Whether a spec carries RFC 9218 parameters (a `priority` field or a PRIORITY_UPDATE). */
export function hasUrgencyFields(spec: PrioritySpec | undefined): spec is PrioritySpec {
  return spec !== undefined && (spec.urgency !== undefined || spec.incremental !== undefined);
}
