// Decodes every payload of an event history in place, for `history --out` (a file people read and attach to
// bug reports) and for tests. Payloads sit at many places in the events (inputs, results, failures' encoded
// attributes, memos, headers), so this walks the whole tree instead of listing event types.
import type { Payload, PayloadCodec } from '@temporalio/common';

function isPayload(value: object): value is Payload {
  const metadata = (value as { metadata?: unknown }).metadata;
  return (
    typeof metadata === 'object' &&
    metadata !== null &&
    (metadata as Record<string, unknown>).encoding instanceof Uint8Array
  );
}

/** Every payload in `root`, depth first. */
export function payloadsIn(root: unknown): Payload[] {
  const found: Payload[] = [];
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
    if (isPayload(value)) {
      found.push(value);
      return;
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(root);
  return found;
}

/** Decodes the history's payloads in place (codecs in reverse, as the SDK does) and returns it. */
export async function decodeHistory<T>(history: T, codecs: readonly PayloadCodec[]): Promise<T> {
  const payloads = payloadsIn(history);
  let decoded: Payload[] = payloads;
  for (const codec of [...codecs].reverse()) decoded = await codec.decode(decoded);
  payloads.forEach((payload, i) => {
    payload.metadata = decoded[i]!.metadata ?? {};
    payload.data = decoded[i]!.data ?? new Uint8Array();
  });
  return history;
}
