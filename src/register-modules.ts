/**
 * The module objects `trama/register` hands out in place of node's built-in modules.
 *
 * Shape, as node's (programs and interceptors rely on it):
 * - plain writable, enumerable data properties, in node:http's key order: `http.request = …`,
 *   `http.get = …` (nock and other interceptors patch them) just replace the value;
 * - `globalAgent` is an accessor as in node: assigning it changes the pool `request()` uses
 *   by default.
 * One object per process: `require('http')`, `import … from 'node:http'`, `import()` and
 * `process.getBuiltinModule('http')` all get this very object, so a patch made through one is
 * seen through the others.
 */
import { METHODS, STATUS_CODES, validateHeaderName, validateHeaderValue } from './wire/shared/index.js';
import { request, get, ClientRequest } from './http/client-request.js';
import { Agent, globalAgent, setGlobalAgent, globalHttpsAgent, setGlobalHttpsAgent, type HttpsAgent } from './http/agent.js';
import { createServer, Server, IncomingMessage, OutgoingMessage, ServerResponse, maxHeaderSize, setMaxIdleHTTPParsers } from './http/index.js';
import * as https from './https.js';
import * as http2 from './http2.js';

/** A module object as `require()` returns it. */
export type ModuleObject = Record<string, unknown>;

function createHttpModule(): ModuleObject {
  const http: ModuleObject = {
    METHODS,
    STATUS_CODES,
    Agent,
    ClientRequest,
    IncomingMessage,
    OutgoingMessage,
    Server,
    ServerResponse,
    createServer,
    validateHeaderName,
    validateHeaderValue,
    get,
    request,
    setMaxIdleHTTPParsers,
    maxHeaderSize,
  };
  Object.defineProperty(http, 'globalAgent', {
    configurable: true,
    enumerable: true,
    get: () => globalAgent,
    set: (agent: Agent) => setGlobalAgent(agent),
  });
  return http;
}

/** The object handed out as `http` / `node:http`. */
export const httpModule: ModuleObject = createHttpModule();

/**
 * The object handed out as `https` / `node:https`: node:https's names and order, plain data
 * properties; `globalAgent` an accessor, so that assigning it changes the pool `request()` uses
 * (node's is a data property its `request` reads at each call: the same effect).
 */
function createHttpsModule(): ModuleObject {
  const m: ModuleObject = { Agent: https.Agent };
  Object.defineProperty(m, 'globalAgent', {
    configurable: true,
    enumerable: true,
    get: () => globalHttpsAgent,
    set: (agent: HttpsAgent) => setGlobalHttpsAgent(agent),
  });
  Object.assign(m, { Server: https.Server, createServer: https.createServer, get: https.get, request: https.request });
  return m;
}

export const httpsModule: ModuleObject = createHttpsModule();

/**
 * The object handed out as `http2` / `node:http2`: node:http2's names in node's order (trama/http2,
 * src/http2.ts), plain data properties.
 */
export const http2Module: ModuleObject = {
  connect: http2.connect,
  constants: http2.constants,
  createServer: http2.createServer,
  createSecureServer: http2.createSecureServer,
  getDefaultSettings: http2.getDefaultSettings,
  getPackedSettings: http2.getPackedSettings,
  getUnpackedSettings: http2.getUnpackedSettings,
  performServerHandshake: http2.performServerHandshake,
  sensitiveHeaders: http2.sensitiveHeaders,
  Http2ServerRequest: http2.Http2ServerRequest,
  Http2ServerResponse: http2.Http2ServerResponse,
};

/**
 * Built-in module name → trama's replacement: the modules trama implements server and client side.
 */
export const redirectedModules: ReadonlyMap<string, ModuleObject> = new Map<string, ModuleObject>([
  ['http', httpModule],
  ['https', httpsModule],
  ['http2', http2Module],
]);

/**
 * The replacement for a `require()`/`import` specifier (`http` or `node:http`), or undefined when
 * node's own module is meant.
 */
export function redirectedModule(specifier: string): ModuleObject | undefined {
  return redirectedModules.get(specifier.startsWith('node:') ? specifier.slice(5) : specifier);
}

// The ESM views (`import { request } from 'node:http'`) hold copies of the values, as node's
// built-in ESM views do; `module.syncBuiltinESMExports()` refreshes them (register.ts wraps it).
const esmViewUpdaters: Array<() => void> = [];

/** Called by each generated ESM view of a redirected module, with its refresh function. */
export function addEsmView(update: () => void): void {
  esmViewUpdaters.push(update);
}

/** Refresh every ESM view from its module object. */
export function syncEsmViews(): void {
  for (const update of esmViewUpdaters) update();
}
