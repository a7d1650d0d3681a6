// Mocha root hooks: ONE real Temporal dev server per test run, started the first time a test asks for it
// (unit tests of pure code never pay for it) and torn down at the end. The binary comes from
// scripts/temporal-cli.ts; the SDK's own download cannot work on these machines.
import { DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import path from 'node:path';
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { dataConverterFor } from '../src/codec/data-converter';
import { allSearchAttributes } from '../src/search-attributes';
import { bundleWorkflows } from '../src/workflow-bundle';
import { singlePartitionFlags } from '../src/task-queues';
import { keysOf, TEST_PAYLOAD_KEYS } from './support/payload-keys';

// Worker chatter (and the activity failures fault tests provoke on purpose) drowns mocha's output;
// TEST_LOG_LEVEL=WARN (or INFO) brings it back.
Runtime.install({
  logger: new DefaultLogger((process.env.TEST_LOG_LEVEL as 'ERROR' | undefined) ?? 'ERROR'),
});

let envPromise: Promise<TestWorkflowEnvironment> | undefined;
const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

export function testEnv(): Promise<TestWorkflowEnvironment> {
  envPromise ??= (async () => {
    const executable = await ensureTemporalCli();
    const started = Date.now();
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: executable },
        searchAttributes: allSearchAttributes,
        extraArgs: singlePartitionFlags(),
        log: { format: 'pretty', level: 'warn' },
      },
      // The suite's client encrypts like a deployment's; its workers get the same keys (test/support/stack.ts).
      client: { dataConverter: dataConverterFor(keysOf(TEST_PAYLOAD_KEYS)) },
    });
    console.log(`    [harness] Temporal dev server up in ${Date.now() - started} ms (${executable})`);
    return env;
  })();
  return envPromise;
}

/** Bundles a workflows module once per test run; every Worker.create in the suite reuses it. */
export function workflowBundle(
  workflowsPath = path.resolve(__dirname, '../src/workflows'),
): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflows(quietBundlerLogger, workflowsPath);
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

const noop = (): void => undefined;
const quietBundlerLogger = {
  log: noop,
  trace: noop,
  debug: noop,
  info: noop,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(30_000);
    if (envPromise) {
      const env = await envPromise;
      await env.teardown();
    }
  },
};
