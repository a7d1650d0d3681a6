// What the Temporal server stores of a full sync: through the gRPC API without the codec, no email and no
// plain payload; through the codec, the same history decodes and replays. Key rotation on a real run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { runCli } from '../../src/client';
import { dataConverterFor } from '../../src/codec/data-converter';
import { decodeHistory } from '../../src/codec/history';
import { CodecFailure, ENCODING, EncryptionCodec } from '../../src/codec/payload-codec';
import { workflowBundle } from '../hooks';
import { cliFor, envOf } from '../support/cli';
import { keysOf, newKey, TEST_PAYLOAD_KEYS } from '../support/payload-keys';
import {
  datasetEmails,
  payloadEncodings,
  payloadsWithPaths,
  rawHistories,
  type RawHistory,
} from '../support/raw-history';
import { startStack, type Stack } from '../support/stack';

/**
 * The SDK core's own bookkeeping in markers, which no codec sees (core reads it back on replay): a patch's id
 * (`patch-data`) and a local activity's seq, type and times (`data`). The local activity's result is encoded.
 */
const CORE_MARKER_DATA = /\.markerRecordedEventAttributes\.details\.(patch-data|data)\.payloads\.\d+$/;

/**
 * The run's environment name in every activity's header (src/workflows/interceptors.ts): the SDK never runs
 * headers through the payload codec. It is configuration, not personal data, and a search attribute anyway.
 */
const ENVIRONMENT_HEADER_DATA = /\.header\.fields\.feedback-sync-environment$/;

describe('personal data in workflow histories', function () {
  this.timeout(300_000);
  let stack: Stack;
  let raw: RawHistory[];
  let emails: string[];

  before(async () => {
    stack = await startStack();
    const summary = await stack.sync();
    raw = await rawHistories(stack.env.connection, summary.workflowId, summary.runId);
    emails = datasetEmails(stack.sims.dataset!);
  });
  after(() => stack?.close());

  it('the raw history of a full sync holds none of the dataset emails and no plain payload', () => {
    assert.ok(raw.length >= 2, `expected the run and its page children, found ${raw.length}`);
    assert.ok(emails.length > 20, `dataset has ${emails.length} emails`);
    for (const { workflowId, history } of raw) {
      const json = historyToJSON(history).toLowerCase();
      const leaked = emails.filter((email) => json.includes(email));
      assert.deepEqual(leaked, [], `${workflowId} holds emails in plain text`);
      const encodings = payloadEncodings(history);
      assert.ok(encodings.length > 0, `${workflowId} has payloads`);
      const plain = payloadsWithPaths(history).filter(
        (p) =>
          p.encoding !== ENCODING && !CORE_MARKER_DATA.test(p.path) && !ENVIRONMENT_HEADER_DATA.test(p.path),
      );
      assert.deepEqual(plain, [], `${workflowId} holds payloads that are not encrypted`);
    }
  });

  it('through the codec the same history decodes and replays', async () => {
    const keys = keysOf(TEST_PAYLOAD_KEYS);
    const [parent, child] = raw;
    for (const { workflowId, history } of [parent!, child!]) {
      const decoded = await decodeHistory(structuredClone(history), [new EncryptionCodec(keys)]);
      assert.ok(!payloadEncodings(decoded).includes(ENCODING), 'every payload decoded');
      assert.ok(payloadEncodings(decoded).includes('json/plain'));
      // The raw history replays with the codec on the replay worker, the way a deployed worker reads it.
      await Worker.runReplayHistory(
        {
          workflowBundle: await workflowBundle(),
          dataConverter: dataConverterFor(keys),
          replayName: 'codec',
        },
        history,
        workflowId,
      );
    }
  });

  it('a run written with key 1 decodes once key 2 encrypts; without key 1 the failure names key 1', async () => {
    const key1 = TEST_PAYLOAD_KEYS.split(':')[0]!;
    const key2 = newKey('rotated-2');
    const { workflowId, history } = raw[0]!;
    const rotated = keysOf(`${key2},${TEST_PAYLOAD_KEYS}`);
    const decoded = await decodeHistory(structuredClone(history), [new EncryptionCodec(rotated)]);
    assert.ok(!payloadEncodings(decoded).includes(ENCODING));
    await Worker.runReplayHistory(
      {
        workflowBundle: await workflowBundle(),
        dataConverter: dataConverterFor(rotated),
        replayName: 'rotated',
      },
      history,
      workflowId,
    );

    const withoutKey1 = new EncryptionCodec(keysOf(key2));
    await assert.rejects(decodeHistory(structuredClone(history), [withoutKey1]), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, CodecFailure.keyMissing);
      assert.ok(err.message.includes(`'${key1}'`), err.message);
      return true;
    });
  });

  it('history --out decodes through the codec, --raw keeps the ciphertext, and replay reads both', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-codec-history-'));
    try {
      const cli = await cliFor(stack.env.client, envOf(stack.config, stack.config.SYNC_ENV));
      const { workflowId } = raw[0]!;
      const decodedFile = path.join(dir, 'decoded.json');
      const rawFile = path.join(dir, 'raw.json');
      const decoded = await cli('history', workflowId, '--out', decodedFile);
      assert.equal(decoded.code, 0, decoded.stderr.join('\n'));
      const exported = await cli('history', workflowId, '--out', rawFile, '--raw');
      assert.equal(exported.code, 0, exported.stderr.join('\n'));
      const encodingsOf = (file: string) =>
        new Set(
          payloadsWithPaths(historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8'))))
            .filter((p) => !CORE_MARKER_DATA.test(p.path) && !ENVIRONMENT_HEADER_DATA.test(p.path))
            .map((p) => p.encoding),
        );
      assert.ok(!encodingsOf(decodedFile).has(ENCODING), 'the default export is decoded');
      // The decoded file holds personal data: readable by its owner only.
      assert.equal(fs.statSync(decodedFile).mode & 0o777, 0o600);
      assert.ok(encodingsOf(decodedFile).has('json/plain'));
      assert.deepEqual([...encodingsOf(rawFile)], [ENCODING], '--raw keeps the ciphertext');

      for (const file of [decodedFile, rawFile]) {
        const replayed = await cli('replay', '--file', file);
        assert.equal(replayed.code, 0, replayed.stderr.join('\n'));
      }
      const fromServer = await cli('replay', workflowId);
      assert.equal(fromServer.code, 0, fromServer.stderr.join('\n'));

      // The CLI's own connection (no client handed in): it decodes with SYNC_PAYLOAD_KEYS, and says so when
      // it has none.
      const own = async (env: Record<string, string>, file: string) => {
        const stderr: string[] = [];
        const code = await runCli(['history', workflowId, '--out', file], {
          env: { TEMPORAL_ADDRESS: stack.env.address, SYNC_ENV: stack.config.SYNC_ENV, ...env },
          stdout: () => undefined,
          stderr: (line) => stderr.push(line),
        });
        assert.equal(code, 0, stderr.join('\n'));
        return stderr.join('\n');
      };
      const withKeys = await own({ SYNC_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS }, path.join(dir, 'own.json'));
      assert.doesNotMatch(withKeys, /not encrypted/);
      assert.ok(!encodingsOf(path.join(dir, 'own.json')).has(ENCODING), 'decoded by the CLI with its keys');
      const withoutKeys = await own({}, path.join(dir, 'own-raw.json'));
      assert.match(withoutKeys, /note: payloads are not encrypted \(SYNC_PAYLOAD_KEYS is unset\)/);
      assert.deepEqual(
        [...encodingsOf(path.join(dir, 'own-raw.json'))],
        [ENCODING],
        'nothing to decode with',
      );

      const keyless = await cliFor(stack.env.client, { ...cli.env, SYNC_PAYLOAD_KEYS: newKey('other') });
      const refused = await keyless('replay', '--file', rawFile);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr.join('\n'), /key 'test-1', which is not in SYNC_PAYLOAD_KEYS/);

      // Replay from the server with no keys at all (a relative key path that set nothing, say): a clear
      // error naming the key and the variable, not the replay worker's raw failure dump.
      const stderr: string[] = [];
      const code = await runCli(['replay', workflowId], {
        env: { TEMPORAL_ADDRESS: stack.env.address, SYNC_ENV: stack.config.SYNC_ENV },
        stdout: () => undefined,
        stderr: (line) => stderr.push(line),
      });
      assert.equal(code, 1);
      assert.match(stderr.join('\n'), /encrypted with payload key 'test-1'.*SYNC_PAYLOAD_KEYS/);
      assert.doesNotMatch(stderr.join('\n'), /encoded_attributes|Failure \{/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
