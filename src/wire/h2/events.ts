/**
 * What `H2Connection.receive()` reports, in the past tense (python-hyper/h2 style). A plain
 * discriminated union on `type`; header lists are `[name, value]` pairs in wire order.
 */
import type { PrioritySpec } from './priority/index.js';

export type H2Headers = Array<[string, string]>;

/** Peer settings arrived (and were acknowledged by us); only the entries it carried. */
export interface SettingsReceived { type: 'settings-received'; settings: Array<[number, number]>; }
/** The peer acknowledged our SETTINGS: those values are now in force. */
export interface SettingsAcked { type: 'settings-acked'; settings: Array<[number, number]>; }
/** A request (server role), a final response (client role), or the response of a pushed stream. */
export interface HeadersReceived { type: 'headers-received'; streamId: number; headers: H2Headers; endStream: boolean; }
/** A 1xx response (client role); the final response follows. */
export interface InformationalReceived { type: 'informational-received'; streamId: number; headers: H2Headers; }
/** Trailers; END_STREAM is implied (RFC 9113 §8.1). */
export interface TrailersReceived { type: 'trailers-received'; streamId: number; headers: H2Headers; }
/**
 * Body bytes. `flowControlledLength` (data plus padding) is what the window was charged; call
 * `acknowledgeReceivedData(streamId, data.length)` once the bytes are consumed (padding is
 * acknowledged by the engine).
 */
export interface DataReceived { type: 'data-received'; streamId: number; data: Buffer; flowControlledLength: number; endStream: boolean; }
/** The peer will send nothing more on this stream. */
export interface StreamEnded { type: 'stream-ended'; streamId: number; }
/**
 * The stream was reset: `remote` true when the peer sent RST_STREAM (or refused it by GOAWAY),
 * false when the engine reset it because of a peer fault (then `message` says why).
 */
export interface StreamReset { type: 'stream-reset'; streamId: number; errorCode: number; remote: boolean; message?: string; }
/** Server push (client role): the promised request; its response arrives on `promisedId`. */
export interface PushPromiseReceived { type: 'push-promise-received'; parentId: number; promisedId: number; headers: H2Headers; }
export interface PingReceived { type: 'ping-received'; data: Buffer; }
export interface PingAcked { type: 'ping-acked'; data: Buffer; }
export interface GoawayReceived { type: 'goaway-received'; lastStreamId: number; errorCode: number; debug: Buffer; }
/** Flow-control credit arrived (stream 0 = the connection). */
export interface WindowUpdated { type: 'window-updated'; streamId: number; increment: number; }
/** A priority signal for a stream (PRIORITY, PRIORITY_UPDATE, or HEADERS priority fields). */
export interface PriorityUpdated { type: 'priority-updated'; streamId: number; priority: PrioritySpec; }
/**
 * The connection is over: the engine sent GOAWAY for a fault (`remote` false), or the peer sent a
 * GOAWAY with an error code (`remote` true). Nothing more is processed after a local fault.
 */
export interface ConnectionTerminated { type: 'connection-terminated'; errorCode: number; lastStreamId: number; remote: boolean; message: string; }

/** Every event `receive()` can return. */
export type H2Event =
  | SettingsReceived | SettingsAcked | HeadersReceived | InformationalReceived | TrailersReceived
  | DataReceived | StreamEnded | StreamReset | PushPromiseReceived | PingReceived | PingAcked
  | GoawayReceived | WindowUpdated | PriorityUpdated | ConnectionTerminated;
