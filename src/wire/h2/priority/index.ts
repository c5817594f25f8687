/**
 * HTTP/2 stream priority: which stream's DATA is written next.
 *
 * Two schedulers behind one interface, picked per connection:
 * - `'rfc7540'`: the dependency tree with weights and the exclusive flag (RFC 7540 §5.3), fed by
 *   HEADERS priority fields and PRIORITY frames;
 * - `'rfc9218'`: urgency 0..7 and the incremental flag (RFC 9218), fed by the `priority` header
 *   and PRIORITY_UPDATE frames — the scheme to use once SETTINGS_NO_RFC7540_PRIORITIES = 1.
 *
 * The engine drives it: `open`/`close` with the stream's life, `setReady` when a stream has DATA
 * queued and window to send it, `pop` for the next stream to write one frame for, `charge` with
 * what it wrote. See `docs/h2-priority.md` for the design and the limits.
 */
import { nodeError } from '../../shared/errors.js';
import { TreeScheduler } from './tree-scheduler.js';
import { UrgencyScheduler } from './urgency-scheduler.js';
import type { H2Scheduler, SchedulerOptions } from './types.js';

export type { H2Scheduler, PrioritySpec, SchedulerOptions } from './types.js';
export {
  DEFAULT_MAX_NODES,
  DEFAULT_MAX_RETAINED_CLOSED,
  DEFAULT_URGENCY,
  DEFAULT_WEIGHT,
  FRAME_HEADER_BYTES,
  MAX_CHARGE_BYTES,
  MAX_URGENCY,
  MAX_WEIGHT,
  MIN_WEIGHT,
} from './types.js';
export { TreeScheduler, NOMINAL_FRAME_COST } from './tree-scheduler.js';
export type { TreeNodeInfo } from './tree-scheduler.js';
export { UrgencyScheduler } from './urgency-scheduler.js';
export type { UrgencyPriority } from './urgency-scheduler.js';
export { parsePriorityField, serializePriorityField, tryParsePriorityField } from './priority-field.js';
export type { PriorityParameters } from './priority-field.js';

/**
 * Create a priority scheduler for one connection.
 *
 * @example
 * const s = createScheduler('rfc7540', { maxRetainedClosed: 100, maxNodes: 200 });
 * s.open(1, { weight: 12 }); s.open(3, { weight: 4 });
 * s.setReady(1, true); s.setReady(3, true);
 * for (let id = s.pop(); id !== 0 && budget > 0; id = s.pop()) {
 *   const n = writeOneDataFrame(id); // the engine's own code
 *   s.charge(id, n);
 *   if (!stillSendable(id)) s.setReady(id, false);
 * }
 */
export function createScheduler(kind: 'rfc7540' | 'rfc9218', options?: SchedulerOptions): H2Scheduler {
  if (kind === 'rfc7540') return new TreeScheduler(options);
  if (kind === 'rfc9218') return new UrgencyScheduler(options);
  throw nodeError(
    TypeError,
    'ERR_INVALID_ARG_VALUE',
    `The argument 'kind' must be one of: 'rfc7540', 'rfc9218'. Received ${JSON.stringify(String(kind))}`,
  );
}
