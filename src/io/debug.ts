/**
 * `NODE_DEBUG=http`: the debug lines of the facade and the client drivers, on the same `util.debuglog('http')` section node:http
 * writes to (`HTTP <pid>: …` on stderr), with node's wording where node has the same event.
 * `debugEnabled` lets a hot path skip building a line nobody reads.
 */
import { debuglog } from 'node:util';

/** Writes one `HTTP <pid>: …` line when NODE_DEBUG includes http (util.format arguments). */
export const debug = debuglog('http');
/** NODE_DEBUG includes http (fixed at startup, as node reads it). */
export const debugEnabled: boolean = debug.enabled;
