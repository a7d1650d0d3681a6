// The payload codec: every payload the project's clients and workers send to Temporal is compressed (where
// that pays) and encrypted with AES-256-GCM before it leaves the process, so histories on the server hold no
// personal data. node:crypto and node:zlib do the work; this file only frames the bytes.
//
// An encoded payload: metadata `encoding: binary/encrypted` and `encryption-key-id: <id>`; data
// `iv (12 bytes) | ciphertext | GCM tag (16 bytes)`, the key id authenticated as additional data. The
// plaintext is one format byte (0 stored, 1 deflate-raw) and then the original payload: its metadata as JSON
// (base64 values) behind a 4-byte length, then its data.
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { ApplicationFailure, type Payload, type PayloadCodec } from '@temporalio/common';
import type { PayloadKeys } from './keys';

export const ENCODING = 'binary/encrypted';
export const KEY_ID_KEY = 'encryption-key-id';

/** Failure types of a payload that cannot be decoded (README: Personal data). */
export const CodecFailure = {
  /** Written with a key that is not in SYNC_PAYLOAD_KEYS: add it back (after the new first key). */
  keyMissing: 'PayloadKeyMissing',
  /** The key is configured but the bytes do not authenticate: a different key under the same id, or damage. */
  undecryptable: 'PayloadUndecryptable',
} as const;

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

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeys) {}

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
    return payloads.map((p) => this.decodeOne(p));
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
    cipher.setAAD(utf8(id));
    const ciphertext = Buffer.concat([cipher.update(body), cipher.final()]);
    return {
      metadata: { encoding: utf8(ENCODING), [KEY_ID_KEY]: utf8(id) },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  /** Payloads without this codec's encoding pass through unchanged (histories recorded before it). */
  decodeOne(payload: Payload): Payload {
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
    const data = Buffer.from(payload.data ?? []);
    try {
      if (data.length < IV_BYTES + TAG_BYTES) throw new Error('shorter than an IV and a tag');
      // A fixed tag length: GCM would otherwise accept truncated tags, which are easier to forge.
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(utf8(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const body = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return unframe(
        body[0] === DEFLATED
          ? zlib.inflateRawSync(body.subarray(1), { maxOutputLength: MAX_INFLATED_BYTES })
          : body.subarray(1),
      );
    } catch {
      throw ApplicationFailure.create({
        type: CodecFailure.undecryptable,
        message: `payload encrypted with key '${id}' does not decrypt with the configured key '${id}', or is damaged`,
      });
    }
  }
}
