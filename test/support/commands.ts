// The product's commands as an operator runs them: a process from the project's folder, and what it printed.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import type { RunningSimulators } from '../../src/simulators';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr as they came, interleaved. */
  output: string;
  ms: number;
}

/** Runs `command` in the project's folder with `env` on top of this process's, to its end. */
export function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), (output += d.toString())));
    child.stderr.on('data', (d: Buffer) => ((stderr += d.toString()), (output += d.toString())));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, output, ms: Date.now() - started }));
  });
}

/** A loopback port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The variables that point a worker or a command at the simulators. */
export function simulatorEnv(sims: RunningSimulators): Record<string, string> {
  return {
    HUBSPOT_BASE_URL: sims.urls.hubspot,
    HUBSPOT_ACCESS_TOKEN: sims.hubspot.accessToken,
    CANNY_BASE_URL: sims.urls.canny,
    CANNY_API_KEY: sims.canny.apiKey,
  };
}
