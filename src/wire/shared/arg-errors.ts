/**
 * node's argument-validation errors (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`) with node's
 * exact message text, including the "Received …" tail that frameworks' tests compare.
 */
import { inspect } from 'node:util';
import { nodeError, type NodeStyleError } from './errors.js';

const CLASS_NAME = /^[A-Z][a-zA-Z0-9]*$/;
const PRIMITIVES = new Set(['string', 'number', 'bigint', 'boolean', 'symbol', 'undefined', 'null', 'object', 'function']);

/**
 * node's description of a received value: `type number (1)`, `an instance of Object`, `function foo`, `null`.
 *
 * @example
 * describeReceived(1); // ' Received type number (1)'
 * describeReceived(new Map()); // ' Received an instance of Map'
 */
export function describeReceived(value: unknown): string {
  if (value == null) return ` Received ${String(value)}`;
  if (typeof value === 'function') return ` Received function ${(value as { name?: string }).name ?? ''}`;
  if (typeof value === 'object') {
    const ctor = (value as { constructor?: { name?: string } }).constructor;
    if (ctor?.name) return ` Received an instance of ${ctor.name}`;
    return ` Received ${inspect(value, { depth: -1 })}`;
  }
  let shown = inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return ` Received type ${typeof value} (${shown})`;
}

function joinList(items: string[], word: string): string {
  if (items.length <= 1) return items.join('');
  if (items.length === 2) return `${items[0]} ${word} ${items[1]}`;
  return `${items.slice(0, -1).join(', ')}, ${word} ${items[items.length - 1]}`;
}

/**
 * node's `ERR_INVALID_ARG_TYPE` (TypeError).
 *
 * @example
 * throw invalidArgType('chunk', ['string', 'Buffer', 'Uint8Array'], 1);
 * // TypeError [ERR_INVALID_ARG_TYPE]: The "chunk" argument must be of type string or an instance of Buffer or Uint8Array. Received type number (1)
 */
export function invalidArgType(name: string, expected: string[], actual: unknown): NodeStyleError {
  const types: string[] = [];
  const instances: string[] = [];
  for (const e of expected) {
    if (PRIMITIVES.has(e)) types.push(e);
    else if (CLASS_NAME.test(e)) instances.push(e);
  }
  // node: a dotted name ('options.noDelay') is a "property", a name ending in ' argument' stands alone.
  let msg = name.endsWith(' argument') ? `The ${name} must be ` : `The "${name}" ${name.includes('.') ? 'property' : 'argument'} must be `;
  const parts: string[] = [];
  if (types.length > 0) parts.push(`${types.length > 1 ? 'one of type' : 'of type'} ${joinList(types, 'or')}`);
  if (instances.length > 0) parts.push(`an instance of ${joinList(instances, 'or')}`);
  msg += parts.join(' or ');
  msg += '.' + describeReceived(actual);
  return nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', msg);
}

/**
 * node's `ERR_INVALID_ARG_VALUE` (TypeError): `The argument 'headers' is invalid. Received …`.
 *
 * @example
 * throw invalidArgValue('headers', ['a']);
 */
export function invalidArgValue(name: string, value: unknown, reason = 'is invalid'): NodeStyleError {
  let shown = inspect(value);
  if (shown.length > 128) shown = `${shown.slice(0, 128)}...`;
  const kind = name.includes('.') ? 'property' : 'argument';
  return nodeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The ${kind} '${name}' ${reason}. Received ${shown}`);
}
