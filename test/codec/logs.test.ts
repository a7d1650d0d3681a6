// Nothing personal in logs: a full end-to-end run on worker processes (Slack off, so the summary goes to the
// log; HubSpot failing now and then, so failures are logged), driven by the CLI and read back through the
// codec server the way the Web UI reads it. Every line any of them printed is searched for the dataset's
// emails and the configured secrets.
import assert from 'node:assert/strict';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { parseCodecServerConfig } from '../../src/config';
import { startCodecServer } from '../../src/codec/server';
import { payloadsIn } from '../../src/codec/history';
import type { RunSummary } from '../../src/domain/types';
import { cliFor, envOf } from '../support/cli';
import { TEST_PAYLOAD_KEYS } from '../support/payload-keys';
import { datasetEmails, rawHistories } from '../support/raw-history';
import { startStack } from '../support/stack';
import { startWorkerProcess, stopAll, workerEnvOf, type WorkerProcess } from '../support/worker-processes';

const CODEC_TOKEN = 'codec-token-for-the-log-test-0123';

describe('nothing personal in logs', function () {
  this.timeout(600_000);

  it('no line of the workers, the CLI or the codec server holds an email or a secret', async () => {
    const stack = await startStack();
    const workers: WorkerProcess[] = [];
    const codecLines: string[] = [];
    const cliLines: string[] = [];
    try {
      await stack.stopWorkers();
      // Slack off: the worker logs the run summary instead (SLACK_BOT_TOKEN empty is unset).
      const env = workerEnvOf(stack, { SLACK_BOT_TOKEN: '', SLACK_CHANNEL: '' });
      workers.push(startWorkerProcess('A', env), startWorkerProcess('B', env));
      await Promise.all(workers.map((w) => w.ready));
      // Failures that are retried, logged by the workers on the way.
      stack.sims.hubspot.server.addFault({ route: 'contacts', kind: 'server-error', count: 3 });

      const cli = await cliFor(stack.env.client, envOf(stack.config, stack.config.SYNC_ENV));
      const run = await cli('sync', '--wait', '--json');
      cliLines.push(...run.stdout, ...run.stderr);
      assert.equal(run.code, 0, run.stderr.join('\n'));
      const summary = run.lastJson<RunSummary>();
      assert.ok(summary.contacts.created + summary.contacts.matched > 20, JSON.stringify(summary.contacts));

      // The UI's view: every payload of the run and its children, decoded by the codec server.
      const codec = await startCodecServer(
        parseCodecServerConfig({
          SYNC_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
          SYNC_CODEC_PORT: '0',
          SYNC_CODEC_TOKEN: CODEC_TOKEN,
        }),
        {
          info: (fields, msg) => void codecLines.push(JSON.stringify({ ...fields, msg })),
          warn: (fields, msg) => void codecLines.push(JSON.stringify({ ...fields, msg })),
        },
      );
      let decoded: Payload[] = [];
      try {
        const payloads = (
          await rawHistories(stack.env.connection, summary.workflowId, summary.runId)
        ).flatMap((h) => payloadsIn(h.history));
        const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('base64');
        const response = await fetch(`${codec.url}/default/decode`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${CODEC_TOKEN}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            payloads: payloads.map((p) => ({
              metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
              data: b64(p.data),
            })),
          }),
        });
        assert.equal(response.status, 200, await response.clone().text());
        const body = (await response.json()) as {
          payloads: Array<{ metadata: Record<string, string>; data: string }>;
        };
        decoded = body.payloads.map((p) => ({
          metadata: Object.fromEntries(
            Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
          ),
          data: Buffer.from(p.data, 'base64'),
        }));
      } finally {
        await codec.close();
      }
      assert.ok(decoded.length > 10);
      assert.ok(
        decoded.some((p) =>
          JSON.stringify(defaultPayloadConverter.fromPayload(p) ?? null).includes('"workflowId"'),
        ),
        'the codec server decoded the run',
      );
    } finally {
      await stopAll(workers);
      await stack.close();
    }

    const lines = [
      ...workers.flatMap((w) => w.lines.map((l) => `[worker ${w.name}] ${l}`)),
      ...codecLines.map((l) => `[codec server] ${l}`),
      ...cliLines.map((l) => `[cli] ${l}`),
    ];
    const summaryLines = lines.filter((l) => l.startsWith('[worker ') && l.includes('run summary'));
    assert.equal(summaryLines.length, 1, `the summary goes to the log once:\n${summaryLines.join('\n')}`);
    assert.ok(cliLines.length > 0 && codecLines.length > 0);
    const secrets = [
      stack.config.CANNY_API_KEY,
      stack.config.HUBSPOT_ACCESS_TOKEN,
      stack.config.SLACK_BOT_TOKEN!,
      TEST_PAYLOAD_KEYS.split(':')[1]!,
      CODEC_TOKEN,
    ];
    const emails = datasetEmails(stack.sims.dataset!);
    const offending = lines.filter((line) => {
      const lower = line.toLowerCase();
      return emails.some((e) => lower.includes(e)) || secrets.some((s) => line.includes(s));
    });
    assert.deepEqual(offending, [], `${offending.length} of ${lines.length} lines hold an email or a secret`);
  });
});
