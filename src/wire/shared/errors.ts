/**
 * Errors, in one place.
 *
 * Two families:
 * - node-compatible errors for local misuse of the public API (`ERR_INVALID_HTTP_TOKEN`, …): their
 *   class (`TypeError`, `RangeError`, `Error`), `code`, `message` and `stack` header match what
 *   node:http throws, because frameworks and tests compare them.
 * - protocol faults detected in peer input: never thrown at the application by the wire engines,
 *   returned as values carrying the protocol's own code (`HPE_*`, an HTTP/2 error code, …).
 *
 * Every error has a stable `code`; the message is not API (except where node's message is).
 */

type ErrorBase = ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor;

/** The shape of node's internal errors: `name` of the base class, `code`, and a stack header `Name [CODE]: msg`. */
export interface NodeStyleError extends Error {
  code: string;
}

/**
 * Build an error the way node's `internal/errors` does: same class, same `code`, same message,
 * same `toString()` / stack first line (`TypeError [ERR_X]: message`).
 *
 * @example
 * throw nodeError(TypeError, 'ERR_INVALID_HTTP_TOKEN', 'Header name must be a valid HTTP token ["a b"]');
 */
export function nodeError(Base: ErrorBase, code: string, message: string, cause?: unknown): NodeStyleError {
  const err = (cause === undefined ? new Base(message) : new Base(message, { cause })) as NodeStyleError;
  // node shows the code in the name while capturing the stack, then restores the plain name.
  Object.defineProperty(err, 'name', { value: `${err.name} [${code}]`, configurable: true, writable: true, enumerable: false });
  void err.stack;
  delete (err as { name?: string }).name;
  Object.defineProperty(err, 'code', { value: code, configurable: true, writable: true, enumerable: true });
  Object.defineProperty(err, 'toString', {
    value(this: NodeStyleError) {
      return `${this.name} [${this.code}]: ${this.message}`;
    },
    configurable: true,
    writable: true,
    enumerable: false,
  });
  return err;
}

/**
 * Base class for trama's own errors (not node-mirrored): a stable `code`, a preserved `cause`.
 *
 * @example
 * throw new TramaError('ERR_SSE_NETWORK', 'network error: connection refused', { cause: err });
 */
export class TramaError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
