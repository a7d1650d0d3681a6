// Reaching Temporal: the worker and the command line give up within CONNECT_TIMEOUT_MS, and say which address
// they tried (TEMPORAL_ADDRESS) and how to start a server, instead of a transport error or a long wait.

/** How long a connection attempt may take before it is reported (the server answers in milliseconds). */
export const CONNECT_TIMEOUT_MS = 3_000;

/** What the operator reads when no Temporal server answers at `address`. */
export function temporalUnreachable(address: string, reason: string): string {
  return (
    `cannot reach Temporal at ${address} (TEMPORAL_ADDRESS): ${reason}.\n` +
    'Start one on this machine with `npm run temporal` (a dev server on localhost:7233, UI on :8233), or set ' +
    'TEMPORAL_ADDRESS to yours (with TEMPORAL_NAMESPACE and TEMPORAL_API_KEY for Temporal Cloud). ' +
    'README: The Temporal server.'
  );
}

/** A short reason from a connection error: the transport's own text is long and says the same. */
export function connectReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  if (/refused/i.test(text)) return 'connection refused (nothing listens there)';
  if (/deadline|timed? ?out/i.test(text)) return `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
  if (/dns|resolve|ENOTFOUND|lookup/i.test(text)) return 'the host name does not resolve';
  return text.split('\n')[0]!.slice(0, 200);
}

/** `connect`, or an error naming TEMPORAL_ADDRESS after CONNECT_TIMEOUT_MS at most. */
export async function connectWithin<T>(address: string, connect: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TemporalUnreachable(temporalUnreachable(address, connectReason('deadline')))),
      CONNECT_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      connect().catch((err: unknown) => {
        throw new TemporalUnreachable(temporalUnreachable(address, connectReason(err)));
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export class TemporalUnreachable extends Error {
  override name = 'TemporalUnreachable';
}
