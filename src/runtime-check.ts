// What the worker, the demo and the CLI check before they do anything else: a Node line we support, and an
// embedded store driver whose native part loads. A missing native part must fail the start, in seconds and
// with the command that fixes it, never the first write of a run (the run store and the source read's
// staging file both use better-sqlite3, whatever SYNC_STORE_URL says).
//
// npm 12 runs no dependency's install script unless package.json allows it (`allowScripts`); better-sqlite3
// 13 ships its binaries inside the package and needs none. See README, Requirements.
import Database from 'better-sqlite3';

/**
 * The oldest Node this project supports: better-sqlite3 13 and @hubspot/api-client 14 need 22, and the
 * tools the tests run with (eslint 10, mocha 12) 22.13. package.json's engines says the same (test/image.test.ts).
 */
export const MIN_NODE = [22, 13, 0] as const;

/** The start cannot go on: the installation, not the configuration, is at fault. Exit 2, like a ConfigError. */
export class RuntimeCheckError extends Error {
  override name = 'RuntimeCheckError';
}

export function nodeVersionProblem(version: string = process.versions.node): string | undefined {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < MIN_NODE.length; i++) {
    const have = parts[i] ?? 0;
    const need = MIN_NODE[i]!;
    if (have > need) return undefined;
    if (have < need)
      return (
        `Node ${version} is too old: feedback-sync needs Node ${MIN_NODE.join('.')} or later (24 LTS is the ` +
        `line it is tested on). Install a current LTS, then reinstall the dependencies: rm -rf node_modules && npm ci`
      );
  }
  return undefined;
}

/** Why the store driver cannot open a database in this process, or undefined when it can. */
export function storeDriverProblem(
  open: () => { close(): unknown } = () => new Database(':memory:'),
): string | undefined {
  try {
    open().close();
    return undefined;
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return [
      `The embedded store's driver (better-sqlite3) cannot load its native part on Node ${process.versions.node} ` +
        `(${process.platform}-${process.arch}, module ABI ${process.versions.modules}): ${reason}`,
      'Fix: reinstall the dependencies with the Node you run: rm -rf node_modules && npm ci',
      '(or `npm rebuild better-sqlite3` if you build it from source; README, Requirements)',
    ].join('\n');
  }
}

/** Throws a RuntimeCheckError naming the problem, or returns when the process can start. */
export function checkRuntime(): void {
  // The Node line first, alone: on Node 20, better-sqlite3 13's native part crashes the process (SIGSEGV)
  // instead of failing to load, so the driver is not touched on a line it does not support.
  const tooOld = nodeVersionProblem();
  if (tooOld) throw new RuntimeCheckError(tooOld);
  const driver = storeDriverProblem();
  if (driver) throw new RuntimeCheckError(driver);
}
