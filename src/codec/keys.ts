// Payload keys from SYNC_PAYLOAD_KEYS: `id:base64key` entries separated by commas; the first one encrypts,
// all of them decrypt, so a key is rotated by putting a new one first and keeping the old ones after it.
// Problems name an entry by its position and id, never by its key material.

/** AES-256: a key is 32 bytes. */
export const KEY_BYTES = 32;

/** The explicit opt-out: run without encryption, and say so at start-up. */
export const NO_PAYLOAD_KEYS = 'none';

export interface PayloadKeys {
  /** The id of the key new payloads are encrypted with (the first entry). */
  encryptId: string;
  /** Every configured key, by id. */
  keys: ReadonlyMap<string, Buffer>;
}

const ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses SYNC_PAYLOAD_KEYS; `problems` lists every malformed entry. Unset and `none` are no keys. */
export function parsePayloadKeys(value: string | undefined): { keys?: PayloadKeys; problems: string[] } {
  const text = value?.trim() ?? '';
  if (text === '' || text === NO_PAYLOAD_KEYS) return { problems: [] };
  const keys = new Map<string, Buffer>();
  const problems: string[] = [];
  text.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    const where = `SYNC_PAYLOAD_KEYS entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) {
      problems.push(`${where} must be <id>:<base64 of ${KEY_BYTES} bytes> (no ':' found)`);
      return;
    }
    const id = entry.slice(0, colon);
    const material = entry.slice(colon + 1);
    if (!ID.test(id)) {
      problems.push(`${where} has an invalid key id (letters, digits, '.', '_' and '-', at most 64)`);
      return;
    }
    const bytes = BASE64.test(material) ? Buffer.from(material, 'base64') : undefined;
    if (!bytes || bytes.length !== KEY_BYTES) {
      problems.push(
        `${where} ('${id}') must hold a base64 key of ${KEY_BYTES} bytes` +
          (bytes ? ` (it decodes to ${bytes.length})` : ' (not base64)'),
      );
      return;
    }
    if (keys.has(id)) {
      problems.push(`${where} repeats the key id '${id}'`);
      return;
    }
    keys.set(id, bytes);
  });
  if (problems.length > 0 || keys.size === 0) return { problems };
  return { keys: { encryptId: keys.keys().next().value!, keys }, problems };
}

/** The simulators' hosts: data behind them is synthetic, so running without keys there is allowed. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function isLoopbackUrl(value: string | undefined): boolean {
  try {
    return LOOPBACK_HOSTS.has(new URL(value ?? '').hostname.toLowerCase());
  } catch {
    return false;
  }
}

export type PayloadProtection =
  { encrypted: true; keys: PayloadKeys } | { encrypted: false; reason: string; allowed: boolean };

/**
 * Whether payloads are encrypted, and if not, why and whether a worker may run so: only with
 * SYNC_PAYLOAD_KEYS=none, said on purpose, or when both Canny and HubSpot are on loopback (the simulators of
 * the demo and the tests). SYNC_ENV plays no part: its documented default, `default`, is what a production
 * worker runs with when nobody changed it. A worker refuses `allowed: false`, and so does every CLI command
 * that starts runs; nothing ever runs unencrypted without saying so.
 */
export function payloadProtection(env: {
  SYNC_PAYLOAD_KEYS?: string | undefined;
  CANNY_BASE_URL?: string | undefined;
  HUBSPOT_BASE_URL?: string | undefined;
}): PayloadProtection {
  const { keys } = parsePayloadKeys(env.SYNC_PAYLOAD_KEYS);
  if (keys) return { encrypted: true, keys };
  if (env.SYNC_PAYLOAD_KEYS?.trim() === NO_PAYLOAD_KEYS)
    return { encrypted: false, reason: 'SYNC_PAYLOAD_KEYS=none', allowed: true };
  return {
    encrypted: false,
    reason: `SYNC_PAYLOAD_KEYS is unset`,
    allowed: isLoopbackUrl(env.CANNY_BASE_URL) && isLoopbackUrl(env.HUBSPOT_BASE_URL),
  };
}

/** The start-up problem of a worker (or a CLI command that starts runs) that would run unencrypted. */
export function unencryptedProblem(): string {
  return (
    'SYNC_PAYLOAD_KEYS is required: workflow histories would hold emails in plain text. Make a key with ' +
    '`echo "k1:$(openssl rand -base64 32)"` and set SYNC_PAYLOAD_KEYS to it (README: Personal data), or set ' +
    'SYNC_PAYLOAD_KEYS=none to run unencrypted on purpose'
  );
}
