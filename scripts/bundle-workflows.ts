// `npm run build` step: bundles the workflow code ahead of time into dist/workflow-bundle.js, which the
// compiled worker (dist/src/worker.js, the Docker image) loads instead of bundling at every start.
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflows } from '../src/workflow-bundle';

async function main(): Promise<void> {
  const started = Date.now();
  // The options every bundle needs (the encoding failure converter) are in bundleWorkflows.
  const { code } = await bundleWorkflows({
    trace() {},
    debug() {},
    info() {},
    warn: console.warn,
    error: console.error,
    log() {},
  });
  // dist/scripts → dist/workflow-bundle.js; an explicit path (the benchmark's) wins.
  const out = process.argv[2]
    ? path.resolve(process.argv[2])
    : path.resolve(__dirname, '..', 'workflow-bundle.js');
  fs.writeFileSync(out, code);
  console.log(`workflow bundle: ${out} (${Math.round(code.length / 1024)} KiB, ${Date.now() - started} ms)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
