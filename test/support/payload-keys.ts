// The suite's payload keys: every client and worker of the tests encrypts like a deployment does, so a test
// that reads a raw history sees what a Temporal server stores. Fresh per mocha run: nothing depends on them.
import crypto from 'node:crypto';
import { parsePayloadKeys, type PayloadKeys } from '../../src/codec/keys';

export const newKey = (id: string): string => `${id}:${crypto.randomBytes(32).toString('base64')}`;

/** SYNC_PAYLOAD_KEYS for the whole suite. */
export const TEST_PAYLOAD_KEYS = newKey('test-1');

export function keysOf(value: string): PayloadKeys {
  const { keys, problems } = parsePayloadKeys(value);
  if (!keys) throw new Error(problems.join('; '));
  return keys;
}
