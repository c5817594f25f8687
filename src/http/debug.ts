/**
 * `NODE_DEBUG=http` for the facade: the one `util.debuglog('http')` section lives in
 * src/io/debug.ts (the drivers write to it too; io/ cannot import http/), re-exported here.
 */
export { debug, debugEnabled } from '../io/debug.js';
