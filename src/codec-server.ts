// `npm run codec-server`: the payload codec over HTTP for the Temporal Web UI (`--ui-codec-endpoint`) and
// CLI (README: Personal data). Configured by SYNC_PAYLOAD_KEYS and SYNC_CODEC_*.
import pino from 'pino';
import { ConfigError, parseCodecServerConfig, resolveEnvironment } from './config';
import { startCodecServer } from './codec/server';

async function main(): Promise<void> {
  const config = parseCodecServerConfig(resolveEnvironment());
  const logger = pino(
    { level: config.LOG_LEVEL, base: { service: 'feedback-sync-codec', environment: config.SYNC_ENV } },
    process.stdout.isTTY ? pino.transport({ target: 'pino-pretty', options: { colorize: true } }) : undefined,
  );
  const server = await startCodecServer(config, logger);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
