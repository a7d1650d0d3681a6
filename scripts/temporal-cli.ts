// Finds or builds a working `temporal` CLI (the dev server with its Web UI) and prints its path.
//
// Order: TEMPORAL_CLI_PATH; `temporal` on PATH when its version is >= 1.5; a binary cached from an earlier
// build; else `go install` of v1.5.1 into a cache outside the clone, so every clone and CI run on this machine
// reuses it. The SDK's own download cannot work here (only package registries are reachable), and we never
// download a binary from anywhere else. v1.5.1 is the newest tag whose go.mod has no `replace` directive,
// which `go install pkg@version` refuses (see ../shared/reference/temporal.md).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = '1.5.1';
const MIN_VERSION = [1, 5, 0] as const;

export function temporalCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'feedback-sync', `temporal-${TEMPORAL_CLI_VERSION}`);
}

// `go install` builds report `temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)`: for those the bundled
// server version tells the age (CLI 1.5.x ships server 1.29.x).
const MIN_SERVER_VERSION = [1, 29, 0] as const;

function versionOf(binary: string): { cli: string; server?: string } | undefined {
  try {
    const out = execFileSync(binary, ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const cli = /version (\S+)/.exec(out)?.[1];
    if (!cli) return undefined;
    return { cli, server: /Server (\d+\.\d+\.\d+)/.exec(out)?.[1] };
  } catch {
    return undefined;
  }
}

function recentEnough(version: { cli: string; server?: string }): boolean {
  if (version.cli.startsWith('0.0.0'))
    return version.server !== undefined && atLeast(version.server, MIN_SERVER_VERSION);
  return atLeast(version.cli, MIN_VERSION);
}

function atLeast(version: string, min: readonly number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < min.length; i++) {
    const a = parts[i] ?? 0;
    const b = min[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const HOW_TO_INSTALL = `Install the Temporal CLI (>= 1.5) and put it on PATH or set TEMPORAL_CLI_PATH, or install Go >= 1.25 so
this script can build it: GOBIN=<dir> go install github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;

/** Returns the path of a working temporal binary, building it with `go install` if needed. */
export async function ensureTemporalCli(
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<string> {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    const version = versionOf(explicit);
    if (!version)
      throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not a working temporal binary.\n${HOW_TO_INSTALL}`);
    return explicit;
  }

  const fromPath = onPath('temporal');
  if (fromPath) {
    const version = versionOf(fromPath);
    if (version && recentEnough(version)) return fromPath;
    log(
      `temporal on PATH (${fromPath}) is version ${version?.cli ?? 'unknown'}; need >= ${MIN_VERSION.join('.')}`,
    );
  }

  const binDir = path.join(temporalCacheDir(), 'bin');
  const cached = path.join(binDir, 'temporal');
  if (fs.existsSync(cached) && versionOf(cached)) return cached;

  const go = onPath('go');
  if (!go) throw new Error(`No temporal CLI found and Go is not installed.\n${HOW_TO_INSTALL}`);

  log(
    `Building the Temporal CLI v${TEMPORAL_CLI_VERSION} with Go into ${binDir} (first time only; takes several minutes)...`,
  );
  fs.mkdirSync(binDir, { recursive: true });
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      go,
      ['install', '-x', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`],
      {
        env: { ...process.env, GOBIN: binDir, GOFLAGS: process.env.GOFLAGS ?? '-mod=mod' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    // `go install -x` prints every step; show a heartbeat instead of thousands of lines.
    let steps = 0;
    let lastReport = Date.now();
    let tail: string[] = [];
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        if (!line) continue;
        steps++;
        tail.push(line);
        if (tail.length > 40) tail = tail.slice(-40);
        if (line.startsWith('go: downloading')) log(`  ${line}`);
      }
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        log(`  ... still building (${Math.round((Date.now() - started) / 1000)} s, ${steps} steps)`);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else
        reject(new Error(`go install failed with exit code ${code}:\n${tail.join('\n')}\n${HOW_TO_INSTALL}`));
    });
  });
  if (!versionOf(cached))
    throw new Error(`go install finished but ${cached} does not run.\n${HOW_TO_INSTALL}`);
  log(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s: ${cached}`);
  return cached;
}

if (require.main === module) {
  ensureTemporalCli()
    .then((binary) => {
      process.stdout.write(`${binary}\n`);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
