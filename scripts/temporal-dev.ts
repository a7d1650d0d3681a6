// `npm run temporal`: a Temporal dev server in the foreground, Web UI on 8233, state kept in .temporal/. The UI
// decodes payloads through the codec server (`npm run codec-server`, SYNC_CODEC_URL to point elsewhere).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { searchAttributeFlags } from '../src/search-attributes';
import { singlePartitionFlags } from '../src/task-queues';
import { ensureTemporalCli } from './temporal-cli';

async function main(): Promise<void> {
  const binary = await ensureTemporalCli();
  const dataDir = path.resolve(__dirname, '..', '.temporal');
  fs.mkdirSync(dataDir, { recursive: true });
  const port = process.env.TEMPORAL_PORT ?? '7233';
  const uiPort = process.env.TEMPORAL_UI_PORT ?? '8233';
  const codec = process.env.SYNC_CODEC_URL ?? `http://127.0.0.1:${process.env.SYNC_CODEC_PORT ?? '8888'}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    process.env.TEMPORAL_IP ?? '127.0.0.1',
    '--port',
    port,
    '--ui-port',
    uiPort,
    '--ui-codec-endpoint',
    codec,
    '--db-filename',
    path.join(dataDir, 'dev.sqlite'),
    ...searchAttributeFlags(),
    ...singlePartitionFlags(),
    ...process.argv.slice(2),
  ];
  console.error(`Temporal dev server: gRPC 127.0.0.1:${port}, Web UI http://localhost:${uiPort}`);
  console.error(
    `Web UI decodes payloads through ${codec}: run \`npm run codec-server\` with SYNC_PAYLOAD_KEYS`,
  );
  const child = spawn(binary, args, { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 0)));
  process.exit(code);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
