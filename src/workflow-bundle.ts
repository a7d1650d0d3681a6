// The workflow code a worker started from sources runs: bundled with webpack in a short-lived child process.
// Bundling takes about 150 MB that a long-running process never gives back to the system; in a child, that
// memory is gone when the child exits, and the worker keeps only the bundle's text. Compiled workers (the
// Docker image) load the bundle `npm run build` made instead (see defaultWorkflows in worker.ts).
import { fork } from 'node:child_process';
import { bundleWorkflowCode, type BundleOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { failureConverterPath } from './codec/data-converter';

/**
 * Every bundle of workflow code the project makes (`npm run build`, a worker from sources, the tests): one
 * place for the options all of them need. With a bundle the SDK ignores the worker's
 * `dataConverter.failureConverterPath`, so it must be here: without it the workflow sandbox would write
 * failure messages and stack traces in plain text into the history.
 */
export function bundleWorkflows(
  logger: NonNullable<BundleOptions['logger']>,
  workflowsPath = require.resolve('./workflows'),
): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    failureConverterPath,
    // The run's environment on every activity it schedules (src/workflows/interceptors.ts).
    workflowInterceptorModules: [require.resolve('./workflows/interceptors')],
    logger,
  });
}

interface BundleMessage {
  code?: string;
  error?: string;
}

/** Bundles src/workflows in a child process (which inherits this process's loader, e.g. tsx). */
export function bundleWorkflowsInChild(): Promise<{ code: string }> {
  return new Promise((resolve, reject) => {
    // A forked child inherits execArgv (`--import tsx` when run from sources), so it can load this .ts file.
    const child = fork(__filename, ['--bundle-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    child.once('message', (message: BundleMessage) => {
      settled = true;
      if (message.code !== undefined) resolve({ code: message.code });
      else reject(new Error(`bundling the workflow code failed: ${message.error ?? 'no reason given'}`));
    });
    child.once('error', (err) => {
      if (!settled) reject(err);
      settled = true;
    });
    child.once('exit', (code, signal) => {
      if (!settled) reject(new Error(`the workflow bundler exited (${signal ?? code}) without a bundle`));
      settled = true;
    });
  });
}

async function bundleAndSend(): Promise<void> {
  const quiet = (): void => undefined;
  try {
    // The build report says nothing an operator can act on; a failed build is an error, sent to the parent.
    const { code } = await bundleWorkflows({
      trace: quiet,
      debug: quiet,
      info: quiet,
      warn: quiet,
      error: quiet,
      log: quiet,
    });
    process.send!({ code } satisfies BundleMessage, () => process.exit(0));
  } catch (err) {
    process.send!({ error: err instanceof Error ? err.message : String(err) } satisfies BundleMessage, () =>
      process.exit(1),
    );
  }
}

if (require.main === module && process.argv.includes('--bundle-child') && process.send) void bundleAndSend();
