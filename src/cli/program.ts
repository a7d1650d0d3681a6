// The operator's command line: start and watch syncs, manage the schedule, export and replay histories, and
// check or set up a HubSpot portal. `runCli(argv, deps)` runs one command in-process and returns its exit
// code, so tests drive it with the suite's own Temporal client and capture what it prints.
//
// Exit codes: 0 ok; 1 the run failed or an error occurred; 2 usage or configuration error; 3 the HubSpot
// portal differs from the data model; 4 the run completed with record-level failures. Results go to stdout
// (one JSON line with --json), diagnostics to stderr.
import { Command, CommanderError } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { dataConverterFor } from '../codec/data-converter';
import { parsePayloadKeys, payloadProtection, unencryptedProblem } from '../codec/keys';
import { ConfigError, resolveEnvironment, resolveEnvironmentWithFiles } from '../config';
import { CONNECT_TIMEOUT_MS, connectWithin } from '../temporal-connect';
import { CliError, EXIT, failedError, failureInfo, messageOf, type CliDeps, type Context } from './context';
import { addRunsCommands } from './audit';
import { addFailuresCommands } from './failures';
import { addUpCommand } from './up';
import { addHistoryCommands } from './histories';
import { addHubspotCommands } from './hubspot';
import { addScheduleCommands } from './schedule';
import { addStatusCommand } from './status';
import { addSyncCommands } from './sync';

function definedStrings(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function temporalFor(
  deps: CliDeps,
  env: () => NodeJS.ProcessEnv,
  err: (line: string) => void,
): Context['temporal'] {
  return async (fn, opts = {}) => {
    if (deps.client) return fn(deps.client, deps.client.options.namespace);
    const resolved = resolveEnvironment(env());
    // The worker's keys: what the CLI starts is encrypted, what it reads decodes (README: Personal data).
    const { problems } = parsePayloadKeys(resolved.SYNC_PAYLOAD_KEYS);
    if (problems.length > 0) throw new ConfigError(problems);
    // The worker's rule too: a run the worker would refuse to carry out unencrypted is not started.
    const protection = payloadProtection(resolved);
    if (!protection.encrypted && !protection.allowed && opts.starts)
      throw new ConfigError([unencryptedProblem()]);
    if (!protection.encrypted)
      err(
        `note: payloads are not encrypted (${protection.reason}); histories hold personal data in plain text`,
      );
    // TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS and profiles, also from .env files.
    const { connectionOptions, namespace = 'default' } = loadClientConnectConfig({
      overrideEnvVars: definedStrings(resolved),
    });
    const address = connectionOptions.address ?? 'localhost:7233';
    // Say where: a shell with another environment's variables still set must not go unnoticed.
    err(`environment ${resolved.SYNC_ENV ?? 'default'} · Temporal ${address}, namespace ${namespace}`);
    const connection = await connectWithin(address, () =>
      Connection.connect({ ...connectionOptions, connectTimeout: CONNECT_TIMEOUT_MS }),
    ).catch((err: unknown) => {
      throw failedError(messageOf(err));
    });
    try {
      const bind = /^(true|1|yes)$/i.test(resolved.SYNC_PAYLOAD_NAMESPACE_BINDING ?? '');
      const dataConverter = dataConverterFor(
        protection.encrypted ? protection.keys : undefined,
        namespace,
        bind,
      );
      return await fn(new Client({ connection, namespace, dataConverter }), namespace);
    } finally {
      await connection.close();
    }
  };
}

export function buildProgram(deps: CliDeps = {}, onExit: (code: number) => void = () => undefined): Command {
  const out = deps.stdout ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const err = deps.stderr ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const program = new Command('feedback-sync');
  // `--env` beats SYNC_ENV: one shell can drive several environments.
  const env = (): NodeJS.ProcessEnv => {
    const base = deps.env ?? process.env;
    const chosen = program.opts<{ env?: string }>().env;
    return chosen ? { ...base, SYNC_ENV: chosen } : base;
  };
  const ctx: Context = {
    get env() {
      return env();
    },
    out,
    err,
    deps,
    temporal: temporalFor(deps, env, err),
  };
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      onExit(await fn(...args));
    };

  program
    .description('Operate the Canny → HubSpot feature request sync on Temporal.')
    .option('--env <name>', 'environment profile to use (overrides SYNC_ENV)')
    // Which .env files are in force (names only, they hold secrets), on stderr so --json stdout stays one line.
    .hook('preAction', () => {
      const { files } = resolveEnvironmentWithFiles(env());
      if (files.length > 0) err(`config files: ${files.join(', ')}`);
    })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => out(text.replace(/\n$/, '')),
      writeErr: (text) => err(text.replace(/\n$/, '')),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 run failed or error, 2 usage or configuration error, 3 HubSpot portal differs,\n' +
        '4 run completed with record-level failures.\n' +
        'Temporal connection: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_PROFILE.',
    );

  addSyncCommands(program, ctx, act);
  addStatusCommand(program, ctx, act);
  addScheduleCommands(program, ctx, act);
  addHistoryCommands(program, ctx, act);
  addHubspotCommands(program, ctx, act);
  addRunsCommands(program, ctx, act);
  addFailuresCommands(program, ctx, act);
  addUpCommand(program, ctx, act);

  return program;
}

/** Runs one command line (without `node script`) and returns its exit code; never exits the process. */
export async function runCli(argv: string[], deps: CliDeps = {}): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(deps, (c) => (code = c));
  const err = deps.stderr ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const out = deps.stdout ?? ((line: string) => void process.stdout.write(`${line}\n`));
  // With --json a script reads stdout: it gets the error as one JSON line there too.
  const jsonError = (error: string, exitCode: number, hint: string | null, type?: string): void => {
    if (argv.includes('--json'))
      out(JSON.stringify({ error, code: exitCode, hint, ...(type ? { type } : {}) }));
  };
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    // Commander has printed its own message (or the help) already.
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT.ok;
      jsonError(error.message.replace(/^error: /, ''), EXIT.usage, 'add --help for usage');
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      err(error.message);
      jsonError(error.message, EXIT.usage, 'set the variables listed (README: Configuration)');
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      err(`error: ${error.message}`);
      jsonError(error.message, error.exitCode, error.exitCode === EXIT.usage ? 'add --help for usage' : null);
      return error.exitCode;
    }
    const message = messageOf(error);
    const { type, hint } = failureInfo(error);
    err(`error: ${message}`);
    jsonError(message, EXIT.failed, hint ?? null, type);
    return EXIT.failed;
  }
}
