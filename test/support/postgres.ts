// A real Postgres server for the store's production form: a throw-away cluster on a free loopback port,
// started once per test run from Debian's postgresql package (`.ci/run` installs it). initdb refuses to run
// as root, so as root the cluster belongs to the `postgres` user.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './commands';

let started: Promise<{ url: string; stop: () => void }> | undefined;

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions)
    if (fs.existsSync(path.join(root, v, 'bin', 'initdb'))) return path.join(root, v, 'bin');
  throw new Error('Postgres server binaries not found under /usr/lib/postgresql: apt-get install postgresql');
}

function run(bin: string, args: string[], asPostgres: boolean): void {
  const [cmd, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const result = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${path.basename(bin)} failed: ${result.stderr || result.stdout}`);
}

/** The URL of the suite's Postgres, started on first use and stopped when the test process exits. */
export function testPostgres(): Promise<{ url: string }> {
  started ??= (async () => {
    const bin = binDir();
    const asPostgres = process.getuid?.() === 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-pg-'));
    if (asPostgres) execFileSync('chown', ['postgres', dir]);
    const data = path.join(dir, 'data');
    run(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], asPostgres);
    const port = await freePort();
    run(
      path.join(bin, 'pg_ctl'),
      ['-D', data, '-l', path.join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -h 127.0.0.1 -F`, 'start'],
      asPostgres,
    );
    const stop = (): void => {
      spawnSync(asPostgres ? 'runuser' : path.join(bin, 'pg_ctl'), [
        ...(asPostgres ? ['-u', 'postgres', '--', path.join(bin, 'pg_ctl')] : []),
        '-D',
        data,
        '-m',
        'immediate',
        'stop',
      ]);
      fs.rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', stop);
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
  })();
  return started;
}

/** The run store's two forms, for tests that must hold on both: a new SQLite file, and the suite's Postgres. */
export const storeForms: Array<{ name: string; url: () => Promise<string> }> = [
  {
    name: 'SQLite file',
    url: () =>
      Promise.resolve(
        `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fs-store-')), 'run-store.db')}`,
      ),
  },
  { name: 'Postgres', url: async () => (await testPostgres()).url },
];
