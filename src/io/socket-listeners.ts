/**
 * The socket-event listeners every io/ driver installs: module-level functions, one set per
 * driver kind, never a closure per connection. `this` is the socket; the driver bound to it is
 * found under the driver's own symbol, so a socket handed from one driver to another (the h1
 * server's preface sniff giving it to the h2 server) is answered by whichever holds it now.
 */
import type { Socket } from 'node:net';

/** What a driver answers for its socket's events. */
export interface SocketEventSink {
  onData(chunk: Buffer): void;
  onEnd(): void;
  onClose(): void;
  onError(err: Error): void;
  onDrain(): void;
  onTimeout?(): void;
}

/** The listeners to pass to `socket.on(event, …)` / `removeListener`. */
export interface SocketListeners {
  data(this: Socket, chunk: Buffer): void;
  end(this: Socket): void;
  close(this: Socket): void;
  error(this: Socket, err: Error): void;
  drain(this: Socket): void;
  timeout(this: Socket): void;
}

/**
 * The listener set for drivers stored on their socket under `key`.
 *
 * @example
 * const listeners = socketListeners(kConn);
 * socket.on('data', listeners.data);
 */
export function socketListeners(key: symbol): SocketListeners {
  const sink = (socket: Socket): SocketEventSink | undefined => (socket as unknown as Record<symbol, SocketEventSink | undefined>)[key];
  return {
    data(chunk) {
      sink(this)?.onData(chunk);
    },
    end() {
      sink(this)?.onEnd();
    },
    close() {
      sink(this)?.onClose();
    },
    error(err) {
      sink(this)?.onError(err);
    },
    drain() {
      sink(this)?.onDrain();
    },
    timeout() {
      sink(this)?.onTimeout?.();
    },
  };
}
