// `npm run simulators`: the three simulators in the foreground, for the demo and for manual runs of the worker.
import { Command, InvalidArgumentError, Option } from 'commander';
import { BENCH_DATASET, DEMO_DATASET } from './dataset';
import { startSimulators } from './index';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('expected a port number');
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

async function main(): Promise<void> {
  const program = new Command('simulators')
    .description('Run the Canny, HubSpot and Slack simulators on loopback with a seeded dataset')
    .addOption(
      new Option('--canny-port <port>', 'Canny port').env('CANNY_SIM_PORT').default(4010).argParser(port),
    )
    .addOption(
      new Option('--hubspot-port <port>', 'HubSpot port')
        .env('HUBSPOT_SIM_PORT')
        .default(4020)
        .argParser(port),
    )
    .addOption(
      new Option('--slack-port <port>', 'Slack port').env('SLACK_SIM_PORT').default(4030).argParser(port),
    )
    .addOption(
      new Option('--seed <n>', 'dataset seed (default: the preset’s)').env('SIM_SEED').argParser(integer),
    )
    .addOption(
      new Option('--size <size>', 'dataset size')
        .env('SIM_SIZE')
        .choices(['demo', 'bench', 'empty'])
        .default('demo'),
    )
    .parse();
  const opts = program.opts<{
    cannyPort: number;
    hubspotPort: number;
    slackPort: number;
    seed?: number;
    size: string;
  }>();

  const preset = opts.size === 'bench' ? BENCH_DATASET : DEMO_DATASET;
  const started = Date.now();
  const sims = await startSimulators({
    ports: { canny: opts.cannyPort, hubspot: opts.hubspotPort, slack: opts.slackPort },
    dataset:
      opts.size === 'empty' ? false : { ...preset, ...(opts.seed === undefined ? {} : { seed: opts.seed }) },
  });
  const ds = sims.dataset;
  console.log(
    ds
      ? `Simulators up in ${Date.now() - started} ms with the ${opts.size} dataset (seed ${ds.options.seed}): ` +
          `${ds.canny.posts.length} posts, ${ds.canny.votes.length} votes, ${ds.canny.users.length} people, ` +
          `${ds.hubspot.companies.length} HubSpot companies, ${ds.hubspot.contacts.length} contacts`
      : `Simulators up in ${Date.now() - started} ms with no data`,
  );
  console.log(`
CANNY_BASE_URL=${sims.urls.canny}
CANNY_API_KEY=${sims.canny.apiKey}
HUBSPOT_BASE_URL=${sims.urls.hubspot}
HUBSPOT_ACCESS_TOKEN=${sims.hubspot.accessToken}
SLACK_API_URL=${sims.slack.apiUrl}
SLACK_BOT_TOKEN=${sims.slack.token}

Admin API on each: GET /_sim/state, GET /_sim/requests, POST /_sim/reset, POST|DELETE /_sim/faults. Ctrl-C stops.`);

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      console.log(`\n${signal}: shutting down`);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sims.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
