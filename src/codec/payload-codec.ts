// The payload codec: every payload the project's clients and workers send to Temporal is compressed (where
// that pays) and encrypted with AES-256-GCM before it leaves the process, so histories on the server hold no
// personal data. node:crypto and node:zlib do the work; this file only frames the bytes.
//
// An encoded payload: metadata `encoding: binary/encrypted` and `encryption-key-id: <id>`; data
// `iv (12 bytes) | ciphertext | GCM tag (16 bytes)`, the key id authenticated as additional data. A codec
// that knows its Temporal namespace (workers, the CLI, the codec server per request) also binds the payload to
// it: metadata `encryption-namespace: <ns>`, authenticated with the key id, and a codec of another namespace
// refuses it. That is as far as the codec protocol goes: a codec sees payloads, never the workflow they are of. The
// plaintext is one format byte (0 stored, 1 deflate-raw) and then the original payload: its metadata as JSON
// (base64 values) behind a 4-byte length, then its data.
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { ApplicationFailure, type Payload, type PayloadCodec } from '@temporalio/common';
import type { PayloadKeys } from './keys';

export const ENCODING = 'binary/encrypted';
export const KEY_ID_KEY = 'encryption-key-id';
export const NAMESPACE_KEY = 'encryption-namespace';

/** Failure types of a payload that cannot be decoded (README: Personal data). */
export const CodecFailure = {
  /** Written with a key that is not in SYNC_PAYLOAD_KEYS: add it back (after the new first key). */
  keyMissing: 'PayloadKeyMissing',
  /** The key is configured but the bytes do not authenticate: a different key under the same id, or damage. */
  undecryptable: 'PayloadUndecryptable',
  /** Bound to another namespace than the one reading it: copied from elsewhere. */
  otherNamespace: 'PayloadOfOtherNamespace',
} as const;

/** The additional authenticated data: the key id, and the namespace when bound to one. */
const aadOf = (id: string, namespace: string | undefined): Uint8Array =>
  utf8(namespace === undefined ? id : `${id}\n${namespace}`);

const IV_BYTES = 12;
const TAG_BYTES = 16;
const STORED = 0;
const DEFLATED = 1;
/** Below this, deflate's framing costs more than it saves. */
const COMPRESS_FROM_BYTES = 256;
/** A payload never inflates beyond this: Temporal caps payloads far lower, so more is damage or a bomb. */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const text = (bytes: Uint8Array | null | undefined): string | undefined =>
  bytes ? Buffer.from(bytes).toString('utf8') : undefined;

function frame(payload: Payload): Buffer {
  const metadata = Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
  );
  const meta = Buffer.from(JSON.stringify(metadata), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(meta.length);
  return Buffer.concat([length, meta, payload.data ?? Buffer.alloc(0)]);
}

function unframe(bytes: Buffer): Payload {
  const length = bytes.readUInt32BE(0);
  const metadata = JSON.parse(bytes.subarray(4, 4 + length).toString('utf8')) as Record<string, string>;
  return {
    metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: bytes.subarray(4 + length),
  };
}

/** A payload that would decode to more than it may (the codec server's per-request budget, or a bomb). */
export class DecodedTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`decoded payloads over ${limit} bytes`);
  }
}

export class EncryptionCodec implements PayloadCodec {
  constructor(
    private readonly keys: PayloadKeys,
    /** The Temporal namespace this codec decodes in (a payload bound to another is refused). */
    private readonly namespace?: string,
    /**
     * Whether it binds what it encodes to `namespace` (SYNC_PAYLOAD_NAMESPACE_BINDING). Off until every
     * worker and codec server of the namespace runs a version that reads bound payloads.
     */
    private readonly bind = false,
  ) {}

  /** The same keys, for payloads of `namespace` (the codec server, per request). */
  forNamespace(namespace: string): EncryptionCodec {
    return new EncryptionCodec(this.keys, namespace, this.bind);
  }

  /** The key id a payload was encrypted with, or undefined when it is not this codec's. */
  static keyIdOf(payload: Payload): string | undefined {
    if (text(payload.metadata?.encoding) !== ENCODING) return undefined;
    return text(payload.metadata?.[KEY_ID_KEY]) ?? '';
  }

  // async: a payload that cannot be decoded rejects, as the SDK expects, instead of throwing.
  // eslint-disable-next-line @typescript-eslint/require-await
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encodeOne(p));
  }

  // eslint-disable-next-line @typescript-eslint/require-await
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      try {
        return this.decodeOne(p);
      } catch (err) {
        if (!(err instanceof DecodedTooLarge)) throw err;
        throw ApplicationFailure.create({
          type: CodecFailure.undecryptable,
          message: `payload inflates beyond ${err.limit} bytes: damaged, or not written by this codec`,
        });
      }
    });
  }

  encodeOne(payload: Payload): Payload {
    const id = this.keys.encryptId;
    const plain = frame(payload);
    const deflated = plain.length >= COMPRESS_FROM_BYTES ? zlib.deflateRawSync(plain) : undefined;
    const body =
      deflated && deflated.length < plain.length
        ? Buffer.concat([Buffer.of(DEFLATED), deflated])
        : Buffer.concat([Buffer.of(STORED), plain]);
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.keys.keys.get(id)!, iv);
    const binding = this.bind ? this.namespace : undefined;
    cipher.setAAD(aadOf(id, binding));
    const ciphertext = Buffer.concat([cipher.update(body), cipher.final()]);
    return {
      metadata: {
        encoding: utf8(ENCODING),
        [KEY_ID_KEY]: utf8(id),
        ...(binding !== undefined ? { [NAMESPACE_KEY]: utf8(binding) } : {}),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  /** Payloads without this codec's encoding pass through unchanged (histories recorded before it). */
  /**
   * `maxBytes`: the most this payload may inflate to (what is left of a request's budget); beyond it a
   * `DecodedTooLarge` is thrown.
   */
  decodeOne(payload: Payload, maxBytes = MAX_INFLATED_BYTES): Payload {
    const id = EncryptionCodec.keyIdOf(payload);
    if (id === undefined) return payload;
    const key = this.keys.keys.get(id);
    if (!key)
      throw ApplicationFailure.create({
        type: CodecFailure.keyMissing,
        message:
          `payload was encrypted with key '${id}', which is not in SYNC_PAYLOAD_KEYS; ` +
          `add '${id}' back after the encrypting key`,
      });
    const bound = text(payload.metadata?.[NAMESPACE_KEY]);
    if (bound !== undefined && this.namespace !== undefined && bound !== this.namespace)
      throw ApplicationFailure.create({
        type: CodecFailure.otherNamespace,
        message: `payload belongs to namespace '${bound}', not '${this.namespace}': it was copied from there`,
      });
    const data = Buffer.from(payload.data ?? []);
    try {
      if (data.length < IV_BYTES + TAG_BYTES) throw new Error('shorter than an IV and a tag');
      // A fixed tag length: GCM would otherwise accept truncated tags, which are easier to forge.
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(aadOf(id, bound));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const body = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      const limit = Math.min(maxBytes, MAX_INFLATED_BYTES);
      let inflated: Buffer;
      try {
        inflated =
          body[0] === DEFLATED
            ? zlib.inflateRawSync(body.subarray(1), { maxOutputLength: limit })
            : body.subarray(1);
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new DecodedTooLarge(limit);
        throw err;
      }
      if (inflated.length > limit) throw new DecodedTooLarge(limit);
      return unframe(inflated);
    } catch (err) {
      if (err instanceof DecodedTooLarge) throw err;
      throw ApplicationFailure.create({
        type: CodecFailure.undecryptable,
        message: `payload encrypted with key '${id}' does not decrypt with the configured key '${id}', or is damaged`,
      });
    }
  }
}
