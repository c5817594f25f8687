/**
 * node's message constructors also run as plain functions on an object that already exists
 * (`IncomingMessage.call(this, socket)`: the util.inherits pattern of light-my-request, nock and
 * older frameworks). trama's constructors are classes that assign every field in their own body
 * (so V8 sizes each object once); the plain-function form builds a fresh instance and copies its
 * own state onto the existing object.
 */

interface EmitterState {
  _events?: Record<string, unknown>;
  _eventsCount?: number;
}

/**
 * Copy `fresh`'s own state onto `self`. Listeners `self` already has are kept, as node's
 * `EventEmitter.init` keeps an object's own `_events`.
 */
export function adoptState(self: object, fresh: object): void {
  const own = self as EmitterState;
  const events = Object.prototype.hasOwnProperty.call(self, '_events') ? own._events : undefined;
  const count = own._eventsCount;
  Object.assign(self, fresh);
  if (events !== undefined && events !== null && count !== undefined && count > 0) {
    own._events = events;
    own._eventsCount = count;
  }
}
