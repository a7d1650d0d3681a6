// Personal data in the run store, sealed with the payload keys (SYNC_PAYLOAD_KEYS): voters' emails and names in
// a run's snapshot, source read and page plans are stored encrypted (AES-256-GCM), and emails are looked up by a
// keyed hash (HMAC-SHA256), never in plain text. Both keys are derived from a payload key with HKDF, so the
// store's ciphertexts and the histories' never share a key.
//
// A sealed value reads `s1:<key id>:<base64url of iv, ciphertext and tag>`: it opens with any configured key of
// that id, so a run keeps working while its keys rotate. A run's keyed hashes must agree on every worker, so
// the run's snapshot names the key they use (`snapshots.seal_key`); every worker of a task queue shares
// SYNC_PAYLOAD_KEYS anyway, since every one of them decodes the run's payloads.
//
// Without payload keys (SYNC_PAYLOAD_KEYS=none, allowed against the simulators only) nothing is sealed: `PLAIN`.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { PayloadKeys } from '../codec/keys';
import { failure, FailureType } from '../failures';

/** How one run's personal data is stored: sealed with a payload key, or as written (`PLAIN`). */
export interface StoreSeal {
  /** The key the run's keyed hashes and new ciphertexts use; null when nothing is sealed. */
  readonly keyId: string | null;
  /** The value to look an email up by: its keyed hash, or the email itself when nothing is sealed. */
  lookup(value: string): string;
  /** The value as stored. */
  seal(text: string): string;
  /** The stored value, opened: a sealed one decrypted with the key it names, any other one as it is. */
  open(text: string): string;
}

/** Nothing sealed: runs of workers without payload keys, and snapshots written before sealing (complete < 3). */
export const PLAIN: StoreSeal = {
  keyId: null,
  lookup: (value) => value,
  seal: (text) => text,
  open: (text) => text,
};

const PREFIX = 's1:';

/** Whether a stored value is sealed. */
export function isSealed(text: string): boolean {
  return text.startsWith(PREFIX);
}

/**
 * The stored value opened, or undefined when this seal cannot open it: sealed with a key it lacks, damaged,
 * or sealed while the seal is `PLAIN` (a worker or a shell without payload keys).
 */
export function openedOrUndefined(seal: StoreSeal, stored: string): string | undefined {
  try {
    const text = seal.open(stored);
    return isSealed(text) ? undefined : text;
  } catch {
    return undefined;
  }
}
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface DerivedKeys {
  encryption: Buffer;
  lookup: Buffer;
}

function derive(key: Buffer): DerivedKeys {
  const of = (info: string) => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, 32));
  return {
    encryption: of('feedback-sync run store: encryption v1'),
    lookup: of('feedback-sync run store: email lookup v1'),
  };
}

/** Derived keys by payload key: derived once per process. */
const derived = new WeakMap<Buffer, DerivedKeys>();

function derivedOf(keys: PayloadKeys, keyId: string, what: string): DerivedKeys {
  const key = keys.keys.get(keyId);
  if (!key)
    // Retryable: a worker that holds the key (every worker should) takes the activity.
    throw failure(
      FailureType.RunStateMissing,
      `the run store's ${what} is sealed with payload key '${keyId}', which this worker's SYNC_PAYLOAD_KEYS ` +
        'does not hold: every worker of a task queue must share SYNC_PAYLOAD_KEYS (keep old keys after the new one)',
    );
  let result = derived.get(key);
  if (!result) {
    result = derive(key);
    derived.set(key, result);
  }
  return result;
}

/**
 * Seals with payload key `keyId` (by default the key new payloads are encrypted with) and opens with any key
 * of `keys`. Values not sealed (`s1:` missing) open as they are: rows an older worker wrote.
 */
export function sealWith(keys: PayloadKeys, keyId: string = keys.encryptId): StoreSeal {
  const own = derivedOf(keys, keyId, 'data');
  return {
    keyId,
    lookup: (value) => `h1:${createHmac('sha256', own.lookup).update(value).digest('base64url')}`,
    seal(text) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', own.encryption, iv);
      const body = Buffer.concat([iv, cipher.update(text, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${PREFIX}${keyId}:${body.toString('base64url')}`;
    },
    open(text) {
      if (!text.startsWith(PREFIX)) return text;
      const colon = text.indexOf(':', PREFIX.length);
      const id = text.slice(PREFIX.length, colon);
      const body = Buffer.from(text.slice(colon + 1), 'base64url');
      const key = derivedOf(keys, id, 'data').encryption;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        const plain = decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES));
        return Buffer.concat([plain, decipher.final()]).toString('utf8');
      } catch {
        // Another key under the same id, or a damaged row: never taken for data.
        throw failure(
          FailureType.RunStateMissing,
          `a value in the run store does not open with payload key '${id}': the key changed under the same id, or the row is damaged`,
        );
      }
    },
  };
}

/** The seal a new run writes with: the first payload key, or `PLAIN` without keys. */
export function newRunSeal(keys: PayloadKeys | undefined): StoreSeal {
  return keys ? sealWith(keys) : PLAIN;
}

/**
 * The seal of a run whose snapshot names `sealKey` (null: written as is, by a worker without keys or before
 * sealing). A sealed run on a worker without keys is refused, retryably, like a missing key.
 */
export function runSealOf(keys: PayloadKeys | undefined, sealKey: string | null): StoreSeal {
  if (sealKey === null) return PLAIN;
  return sealWith(keys ?? { encryptId: '', keys: new Map() }, sealKey);
}

/** A seal for scratch data of this process only: its key lives in memory and dies with the process. */
export function ephemeralSeal(): StoreSeal {
  const id = 'ephemeral';
  return sealWith({ encryptId: id, keys: new Map([[id, randomBytes(32)]]) });
}
