// The operator's command line: `npx feedback-sync <command>` (bin/feedback-sync.cjs), or
// `npm run client -- <command>`. The commands live in src/cli/, one file per group; this file is the entry
// point and keeps the exports scripts and tests use.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { flagsNpmTook, longOptionsOf, npmTookMessage } from './cli/npm-flags';
import { buildProgram, runCli } from './cli/program';
import { checkRuntime, RuntimeCheckError } from './runtime-check';

export { buildProgram, runCli } from './cli/program';
export { EXIT, type CliDeps } from './cli/context';
export { compactDuration } from './cli/format';
export { workflowIdOfHistory } from './cli/histories';
export { scheduleIdOf, syncWorkflowId } from './cli/runs';

/**
 * `client … | head -1`: the reader is gone, so nobody reads the rest. Stop quietly, as Unix tools do,
 * instead of dying on an unhandled EPIPE with a stack trace.
 */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

async function main(): Promise<void> {
  exitQuietlyOnClosedPipe(process.stdout);
  exitQuietlyOnClosedPipe(process.stderr);
  try {
    checkRuntime();
  } catch (err) {
    if (!(err instanceof RuntimeCheckError)) throw err;
    console.error(err.message);
    process.exit(2);
  }
  // Replay runs a worker: keep its INFO chatter off stdout, which scripts read.
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => process.stderr.write(`[${entry.level}] ${entry.message}\n`)),
  });
  const argv = process.argv.slice(2);
  const took = flagsNpmTook(process.env, longOptionsOf(buildProgram()));
  if (took.length > 0) {
    console.error(npmTookMessage(took, argv));
    process.exit(2);
  }
  process.exit(await runCli(argv));
}

/** The command's entry point: `npm run client`, and the `feedback-sync` bin (bin/feedback-sync.cjs). */
export function runAsCommand(): void {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

if (require.main === module) runAsCommand();
