// The Web UI shows decoded payloads: headless Chromium (Debian's `chromium`, driven by puppeteer-core) opens a
// finished run on a dev server started with `--ui-codec-endpoint`, and the page shows the run's summary as
// the codec server decoded it. The screenshot goes to test-artifacts/ (gitignored).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import puppeteer, { type Browser } from 'puppeteer-core';
import { freePort, startDevServer, type DevServer } from '../../scripts/dev-stack';
import { dataConverterFor } from '../../src/codec/data-converter';
import { startCodecServer, type CodecServer } from '../../src/codec/server';
import { parseCodecServerConfig } from '../../src/config';
import { keysOf, TEST_PAYLOAD_KEYS } from '../support/payload-keys';
import { startStack, type Stack } from '../support/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');

/** The page's rendered text; runs inside the page (serialised by puppeteer), where `document` exists. */
function pageText(): string {
  return (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText;
}

describe('the Temporal Web UI decodes payloads through the codec server', function () {
  this.timeout(300_000);
  let codec: CodecServer | undefined;
  let dev: DevServer | undefined;
  let temporal: TestWorkflowEnvironment | undefined;
  let stack: Stack | undefined;
  let browser: Browser | undefined;

  after(async () => {
    await browser?.close();
    await stack?.close();
    await temporal?.teardown();
    await dev?.stop();
    await codec?.close();
  });

  it('shows the decoded summary of a finished run (screenshot in test-artifacts/)', async () => {
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    const uiPort = await freePort();
    const uiOrigin = `http://localhost:${uiPort}`;
    codec = await startCodecServer(
      parseCodecServerConfig({
        SYNC_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
        SYNC_CODEC_PORT: String(await freePort()),
        SYNC_CODEC_CORS_ORIGINS: uiOrigin,
      }),
      { info: () => undefined, warn: () => undefined },
    );
    dev = await startDevServer({ uiPort, codecEndpoint: codec.url, log: () => undefined });
    temporal = await TestWorkflowEnvironment.createFromExistingServer({
      address: dev.address,
      client: { dataConverter: dataConverterFor(keysOf(TEST_PAYLOAD_KEYS)) },
    });
    stack = await startStack({ temporal });
    const summary = await stack.sync();

    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Root in a container: Chromium's sandbox needs user namespaces it may not have.
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    });
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1800 });
    const decodes: number[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(codec!.url) && response.request().method() === 'POST')
        decodes.push(response.status());
    });
    const url = `${uiOrigin}/namespaces/default/workflows/${encodeURIComponent(summary.workflowId)}/${summary.runId}/history`;
    await page.goto(url, { waitUntil: 'networkidle2', timeout: 120_000 });
    // A single-page app: the result renders once the codec server answered. Its fields are the summary's.
    const expected = `"identified": ${summary.featureRequests.identified}`;
    try {
      await page.waitForFunction(
        (text: string) =>
          (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText
            .replace(/\s+/g, ' ')
            .includes(text),
        { timeout: 90_000, polling: 500 },
        expected,
      );
    } finally {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'ui-decoded-summary.png'), fullPage: true });
    }
    const text = await page.evaluate(pageText);
    assert.ok(
      decodes.length > 0 && decodes.every((s) => s === 200),
      `codec server answers: ${decodes.join(', ')}`,
    );
    assert.ok(text.includes('featureRequests'), 'the decoded result is on the page');
    assert.ok(!text.includes('binary/encrypted'), 'no payload is shown encrypted');
  });
});
