/**
 * The WHATWG event classes a WebSocket fires that Node 20 lacks as globals (`CloseEvent`,
 * `ErrorEvent`); `MessageEvent` and `Event` are node's own.
 */

interface BaseEventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}

export interface CloseEventInit extends BaseEventInit {
  wasClean?: boolean;
  code?: number;
  reason?: string;
}

/**
 * The `close` event (WHATWG WebSockets §"CloseEvent").
 *
 * @example
 * ws.addEventListener('close', (e) => console.log(e.code, e.reason, e.wasClean));
 */
export class CloseEvent extends Event {
  readonly wasClean: boolean;
  readonly code: number;
  readonly reason: string;
  constructor(type: string, init: CloseEventInit = {}) {
    super(type, init);
    this.wasClean = init.wasClean ?? false;
    this.code = init.code ?? 0;
    this.reason = init.reason ?? '';
  }
}

export interface ErrorEventInit extends BaseEventInit {
  message?: string;
  error?: unknown;
}

/**
 * The `error` event, carrying the underlying error as undici's does (`event.error`).
 *
 * @example
 * ws.onerror = (e) => console.error(e.error);
 */
export class ErrorEvent extends Event {
  readonly message: string;
  readonly error: unknown;
  constructor(type: string, init: ErrorEventInit = {}) {
    super(type, init);
    this.message = init.message ?? '';
    this.error = init.error;
  }
}
