// The operator's command line (`npm run client -- <command>`). The commands live in src/cli/, one file per
// group; this file is the entry point and keeps the exports scripts and tests use.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runCli } from './cli/program';

export { buildProgram, runCli } from './cli/program';
export { EXIT, type CliDeps } from './cli/context';
export { compactDuration } from './cli/format';
export { workflowIdOfHistory } from './cli/histories';
export { scheduleIdOf, syncWorkflowId } from './cli/runs';

async function main(): Promise<void> {
  // Replay runs a worker: keep its INFO chatter off stdout, which scripts read.
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => process.stderr.write(`[${entry.level}] ${entry.message}\n`)),
  });
  process.exit(await runCli(process.argv.slice(2)));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
