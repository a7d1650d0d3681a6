// The Node and npm that CI tests on (scripts/use-node.sh), the worker image (Dockerfile) and package.json's
// engines must agree: an image on a line CI never ran, or an npm that treats install scripts differently, is
// the gap in which "it passed in CI" stops meaning anything. No Docker engine runs here; the image's build
// steps are the CI's own (npm ci under npm 12, npm run build), run outside Docker.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MIN_NODE } from '../src/runtime-check';

const ROOT = path.resolve(__dirname, '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

function assignment(text: string, name: string): string {
  const value = new RegExp(`^${name}=\\$\\{${name}:-([^}]+)\\}$`, 'm').exec(text)?.[1];
  assert.ok(value, `${name}=… in scripts/use-node.sh`);
  return value;
}

describe('Node and npm: CI, the image and package.json agree', () => {
  const useNode = read('scripts/use-node.sh');
  const ciNode = assignment(useNode, 'FEEDBACK_SYNC_NODE_VERSION');
  const ciNpm = assignment(useNode, 'FEEDBACK_SYNC_NPM_VERSION');
  const dockerfile = read('Dockerfile');
  const pkg = JSON.parse(read('package.json')) as {
    engines: { node: string };
    allowScripts?: Record<string, boolean>;
  };

  it("every stage of the image runs the Node line CI tests on, and installs with CI's npm", () => {
    const bases = [...dockerfile.matchAll(/^FROM node:(\d+)-bookworm-slim\b/gm)].map((m) => m[1]);
    assert.equal(bases.length, [...dockerfile.matchAll(/^FROM /gm)].length, 'every stage is a node image');
    assert.ok(bases.length >= 2, 'a build stage and a runtime stage');
    assert.deepEqual(new Set(bases), new Set([ciNode.split('.')[0]]), `CI runs Node ${ciNode}`);
    assert.match(dockerfile, new RegExp(`npm install -g [^\\n]*npm@${ciNpm.replace(/\./g, '\\.')}\\b`));
    assert.ok(
      dockerfile.indexOf(`npm@${ciNpm}`) < dockerfile.indexOf('npm ci'),
      "the image's npm ci runs under CI's npm",
    );
  });

  it("package.json's engines, the start-up check and CI's Node agree", () => {
    assert.equal(pkg.engines.node, `>=${MIN_NODE[0]}.${MIN_NODE[1]}`);
    const [major, minor] = ciNode.split('.').map(Number);
    assert.ok(major! > MIN_NODE[0] || (major === MIN_NODE[0] && minor! >= MIN_NODE[1]));
  });

  it('allowScripts decides every install script of the locked tree (npm 12 runs none it does not allow)', () => {
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    const nameOf = (where: string): string =>
      where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const locked = new Set(Object.keys(lock.packages).map(nameOf));
    const withScripts = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([where]) => nameOf(where));
    assert.ok(withScripts.length > 0, 'the lockfile marks install scripts');
    const decided = Object.keys(pkg.allowScripts ?? {});
    for (const name of withScripts) assert.ok(decided.includes(name), `allowScripts decides ${name}`);
    // npm infers `node-gyp rebuild` from a binding.gyp, which the lockfile does not record.
    assert.ok(decided.includes('better-sqlite3'), 'allowScripts decides better-sqlite3 (binding.gyp)');
    for (const name of decided) assert.ok(locked.has(name), `${name} in allowScripts is installed`);
  });
});
