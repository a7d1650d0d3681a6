// The payload codec on its own: round trips, compression, pass-through of older payloads, key rotation, and
// the configuration's problems, without Temporal.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { parsePayloadKeys, payloadProtection, unencryptedProblem } from '../../src/codec/keys';
import {
  CodecFailure,
  ENCODING,
  EncryptionCodec,
  KEY_ID_KEY,
  NAMESPACE_KEY,
} from '../../src/codec/payload-codec';
import { ConfigError, parseConfig, parseOperatorConfig } from '../../src/config';
import { keysOf, newKey } from '../support/payload-keys';

const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString('utf8');
const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);

describe('payload codec', () => {
  const k1 = newKey('k1');
  const k2 = newKey('k2');

  it('encrypts with the first key: no plain JSON left, the key id in the metadata, and it round-trips', async () => {
    const codec = new EncryptionCodec(keysOf(`${k1},${k2}`));
    const original = toPayload({ email: 'ada@example.com', n: 1 });
    const [encoded] = await codec.encode([original]);
    assert.equal(text(encoded!.metadata!.encoding), ENCODING);
    assert.equal(text(encoded!.metadata![KEY_ID_KEY]), 'k1');
    assert.ok(!text(encoded!.data).includes('ada@example.com'));
    assert.deepEqual(
      Object.keys(encoded!.metadata!).sort(),
      ['encoding', KEY_ID_KEY].sort(),
      'nothing else leaks',
    );
    const [decoded] = await codec.decode([encoded!]);
    assert.equal(text(decoded!.metadata!.encoding), 'json/plain');
    assert.deepEqual(defaultPayloadConverter.fromPayload(decoded!), { email: 'ada@example.com', n: 1 });
  });

  it('binds a payload to its namespace: another namespace refuses it, a forged binding fails, old ones still decode', async () => {
    const production = new EncryptionCodec(keysOf(k1), 'production', true);
    const [encoded] = await production.encode([toPayload({ email: 'ada@example.com' })]);
    assert.equal(text(encoded!.metadata![NAMESPACE_KEY]), 'production');
    assert.deepEqual(defaultPayloadConverter.fromPayload((await production.decode([encoded!]))[0]!), {
      email: 'ada@example.com',
    });
    // Copied into a sandbox namespace's history: refused there.
    const sandbox = new EncryptionCodec(keysOf(k1), 'sandbox', true);
    // Not bound unless asked (SYNC_PAYLOAD_NAMESPACE_BINDING): older workers could not read it.
    const [unbound] = await new EncryptionCodec(keysOf(k1), 'production').encode([toPayload('x')]);
    assert.equal(unbound!.metadata![NAMESPACE_KEY], undefined);
    await assert.rejects(
      sandbox.decode([encoded!]),
      (err: unknown) => err instanceof ApplicationFailure && err.type === CodecFailure.otherNamespace,
    );
    // The binding cannot be rewritten: it is authenticated with the key id.
    const forged = {
      ...encoded!,
      metadata: { ...encoded!.metadata, [NAMESPACE_KEY]: Buffer.from('sandbox') },
    };
    await assert.rejects(
      sandbox.decode([forged]),
      (err: unknown) => err instanceof ApplicationFailure && err.type === CodecFailure.undecryptable,
    );
    // A codec without a namespace (an exported history file) still reads it; payloads written before the
    // binding (no namespace) still decode in any namespace.
    assert.ok((await new EncryptionCodec(keysOf(k1)).decode([encoded!]))[0]);
    const [old] = await new EncryptionCodec(keysOf(k1)).encode([toPayload('before')]);
    assert.equal(defaultPayloadConverter.fromPayload((await production.decode([old!]))[0]!), 'before');
  });

  it('compresses before it encrypts where that pays', async () => {
    const codec = new EncryptionCodec(keysOf(k1));
    const big = toPayload({ emails: Array.from({ length: 500 }, (_, i) => `person-${i}@example.com`) });
    const [encoded] = await codec.encode([big]);
    assert.ok(
      encoded!.data!.length < big.data!.length / 3,
      `${encoded!.data!.length} vs ${big.data!.length}`,
    );
    const [decoded] = await codec.decode([encoded!]);
    assert.deepEqual(Buffer.from(decoded!.data!), Buffer.from(big.data!));
  });

  it('passes payloads without its encoding through decode unchanged (histories recorded before it)', async () => {
    const codec = new EncryptionCodec(keysOf(k1));
    const plain = toPayload({ recorded: 'before the codec' });
    const [decoded] = await codec.decode([plain]);
    assert.equal(decoded, plain);
  });

  it('decodes a payload of key 1 after key 2 became the encrypting key; without key 1 the failure names it', async () => {
    const [written] = await new EncryptionCodec(keysOf(k1)).encode([toPayload('secret')]);
    const rotated = new EncryptionCodec(keysOf(`${k2},${k1}`));
    const [decoded] = await rotated.decode([written!]);
    assert.equal(defaultPayloadConverter.fromPayload(decoded!), 'secret');
    const [reencoded] = await rotated.encode([toPayload('new')]);
    assert.equal(text(reencoded!.metadata![KEY_ID_KEY]), 'k2');

    const withoutK1 = new EncryptionCodec(keysOf(k2));
    await assert.rejects(withoutK1.decode([written!]), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, CodecFailure.keyMissing);
      assert.match(err.message, /'k1'/);
      assert.doesNotMatch(err.message, /k2/, 'names the missing key only, not the configured ones');
      return true;
    });
  });

  it('refuses data too short for an IV and a full tag', async () => {
    const [written] = await new EncryptionCodec(keysOf(k1)).encode([toPayload('x')]);
    const codec = new EncryptionCodec(keysOf(k1));
    for (const length of [0, 12, 27])
      await assert.rejects(
        codec.decode([{ ...written!, data: written!.data!.subarray(0, length) }]),
        (err: unknown) => err instanceof ApplicationFailure && err.type === CodecFailure.undecryptable,
        `${length} bytes`,
      );
  });

  it('refuses a payload that inflates beyond 64 MiB (a deflate bomb under a valid key)', async () => {
    // Framed as encodeOne frames, with 65 MiB of zeros as data: deflate makes that a few dozen KiB.
    const meta = Buffer.from(JSON.stringify({ encoding: Buffer.from('binary/plain').toString('base64') }));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(meta.length);
    const framed = Buffer.concat([length, meta, Buffer.alloc(65 * 1024 * 1024)]);
    const body = Buffer.concat([Buffer.of(1), zlib.deflateRawSync(framed)]);
    const { keys } = keysOf(k1);
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', keys.get('k1')!, iv);
    cipher.setAAD(Buffer.from('k1'));
    const ciphertext = Buffer.concat([cipher.update(body), cipher.final()]);
    const bomb: Payload = {
      metadata: { encoding: Buffer.from(ENCODING), [KEY_ID_KEY]: Buffer.from('k1') },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
    await assert.rejects(
      new EncryptionCodec(keysOf(k1)).decode([bomb]),
      (err: unknown) => err instanceof ApplicationFailure && err.type === CodecFailure.undecryptable,
    );
  });

  it('refuses a payload whose key id is configured with other key material', async () => {
    const [written] = await new EncryptionCodec(keysOf(k1)).encode([toPayload('x')]);
    const impostor = new EncryptionCodec(keysOf(newKey('k1')));
    await assert.rejects(
      impostor.decode([written!]),
      (err: unknown) => err instanceof ApplicationFailure && err.type === CodecFailure.undecryptable,
    );
  });
});

describe('SYNC_PAYLOAD_KEYS', () => {
  const REQUIRED = { CANNY_API_KEY: 'ck', HUBSPOT_ACCESS_TOKEN: 'pat-1' };
  const material = 'A'.repeat(43) + '=';

  it('names each malformed entry by position and id, never by its key material', () => {
    const short = Buffer.alloc(16).toString('base64');
    const value = `good:${Buffer.alloc(32, 1).toString('base64')},bad:${short},nocolon${material},bad id:${material},good:${material}`;
    const { keys, problems } = parsePayloadKeys(value);
    assert.equal(keys, undefined);
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems[0]!, /entry 2 \('bad'\).*32 bytes.*decodes to 16/);
    assert.match(problems[1]!, /entry 3 .*no ':'/);
    assert.match(problems[2]!, /entry 4 .*invalid key id/);
    assert.match(problems[3]!, /entry 5 repeats the key id 'good'/);
    for (const p of problems) assert.ok(!p.includes(material) && !p.includes(short), p);
  });

  it('is a configuration error for the worker and the CLI alike', () => {
    for (const parse of [parseConfig, parseOperatorConfig])
      assert.throws(
        () => parse({ ...REQUIRED, SYNC_PAYLOAD_KEYS: 'k1:not-base64!' }),
        (err: unknown) =>
          err instanceof ConfigError && /SYNC_PAYLOAD_KEYS entry 1 \('k1'\)/.test(err.message),
      );
  });

  it('runs unencrypted only with SYNC_PAYLOAD_KEYS=none or against loopback simulators, whatever SYNC_ENV', () => {
    const REAL = { CANNY_BASE_URL: 'https://canny.io', HUBSPOT_BASE_URL: 'https://api.hubapi.com' };
    assert.equal(payloadProtection({ ...REAL, SYNC_PAYLOAD_KEYS: newKey('k1') }).encrypted, true);
    // The documented defaults (SYNC_ENV=default, no keys, the real APIs) hold real people's emails.
    for (const env of [REAL, {}, { ...REAL, SYNC_PAYLOAD_KEYS: '' }])
      assert.deepEqual(payloadProtection(env), {
        encrypted: false,
        reason: 'SYNC_PAYLOAD_KEYS is unset',
        allowed: false,
      });
    assert.deepEqual(payloadProtection({ ...REAL, SYNC_PAYLOAD_KEYS: 'none' }), {
      encrypted: false,
      reason: 'SYNC_PAYLOAD_KEYS=none',
      allowed: true,
    });
    for (const [canny, hubspot] of [
      ['http://127.0.0.1:4010', 'http://localhost:4020'],
      ['http://[::1]:4010', 'http://127.0.0.1:4020/'],
    ])
      assert.deepEqual(payloadProtection({ CANNY_BASE_URL: canny, HUBSPOT_BASE_URL: hubspot }), {
        encrypted: false,
        reason: 'SYNC_PAYLOAD_KEYS is unset',
        allowed: true,
      });
    // One real API is enough to hold real data.
    for (const [canny, hubspot] of [
      ['http://127.0.0.1:4010', 'https://api.hubapi.com'],
      ['https://canny.io', 'http://localhost:4020'],
      ['http://localhost.evil.example', 'http://127.0.0.1.nip.io'],
    ])
      assert.deepEqual(payloadProtection({ CANNY_BASE_URL: canny, HUBSPOT_BASE_URL: hubspot }), {
        encrypted: false,
        reason: 'SYNC_PAYLOAD_KEYS is unset',
        allowed: false,
      });
  });

  it('the refusal names SYNC_PAYLOAD_KEYS and how to make a key', () => {
    const problem = unencryptedProblem();
    assert.match(problem, /SYNC_PAYLOAD_KEYS/);
    assert.match(problem, /openssl rand -base64 32/);
    assert.match(problem, /SYNC_PAYLOAD_KEYS=none/);
  });
});
