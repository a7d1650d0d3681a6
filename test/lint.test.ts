// The lint rules that guard determinism are part of the product's safety: prove they bite.
import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint } from 'eslint';

describe('lint guards workflow determinism', function () {
  this.timeout(120_000);
  const eslint = new ESLint({ cwd: path.resolve(__dirname, '..') });
  const workflowFile = path.resolve(__dirname, '../src/workflows/sync-page.ts');

  async function ruleIds(code: string, filePath = workflowFile): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath });
    return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
  }

  it('rejects node:fs in a workflow file', async () => {
    const messages = await ruleIds(`import fs from 'node:fs';\nexport const x = fs.existsSync('a');\n`);
    assert.ok(
      messages.some((m) => m.startsWith('no-restricted-imports') && m.includes('Node built-ins')),
      messages.join('\n'),
    );
  });

  it('rejects HTTP SDKs and value imports of activities in a workflow file', async () => {
    const messages = await ruleIds(
      `import { Client } from '@hubspot/api-client';\nimport { createActivities } from '../activities';\nexport const x = [Client, createActivities];\n`,
    );
    assert.ok(
      messages.some((m) => m.includes('HTTP SDKs belong in activities')),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => m.includes('activity types only')),
      messages.join('\n'),
    );
  });

  it('allows type-only activity imports in a workflow file', async () => {
    const messages = await ruleIds(
      `import type { Activities } from '../activities';\nexport type A = Activities;\n`,
    );
    assert.deepEqual(
      messages.filter((m) => m.startsWith('no-restricted-imports')),
      [],
    );
  });

  it('allows node:fs outside workflows, and flags floating promises everywhere', async () => {
    const file = path.resolve(__dirname, '../src/worker.ts');
    const messages = await ruleIds(
      `import fs from 'node:fs';\nexport function f(): void { fs.promises.readFile('x'); }\n`,
      file,
    );
    assert.ok(!messages.some((m) => m.startsWith('no-restricted-imports')), messages.join('\n'));
    assert.ok(
      messages.some((m) => m.startsWith('@typescript-eslint/no-floating-promises')),
      messages.join('\n'),
    );
  });
});
