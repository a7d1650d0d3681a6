// Starts the three simulators together on loopback with one seeded dataset: the demo, the benchmark and the
// end-to-end tests all build their world here, so they agree on what "the dataset" is.
import { CannySimulator } from './canny';
import { generateDataset, type Dataset, type DatasetOptions } from './dataset';
import { HubspotSimulator, type HubspotSimulatorOptions } from './hubspot';
import { SlackSimulator, type SlackSimulatorOptions } from './slack';

export { CannySimulator } from './canny';
export { SlackSimulator } from './slack';
export { HubspotSimulator, TIERS, type Tier } from './hubspot';
export { generateDataset, DEMO_DATASET, BENCH_DATASET } from './dataset';
export type { CannyData, Dataset, DatasetOptions } from './dataset';

export interface StartSimulatorsOptions {
  /** 0 (the default) picks free ports. */
  ports?: { canny?: number; hubspot?: number; slack?: number };
  /** Dataset options (missing ones from DEMO_DATASET); `false` starts all three empty. */
  dataset?: Partial<DatasetOptions> | false;
  canny?: { apiKey?: string; seed?: number };
  hubspot?: HubspotSimulatorOptions;
  slack?: SlackSimulatorOptions;
}

export interface RunningSimulators {
  canny: CannySimulator;
  hubspot: HubspotSimulator;
  slack: SlackSimulator;
  urls: { canny: string; hubspot: string; slack: string };
  /** The dataset loaded, or undefined when started empty. */
  dataset?: Dataset;
  close(): Promise<void>;
}

export async function startSimulators(options: StartSimulatorsOptions = {}): Promise<RunningSimulators> {
  const dataset = options.dataset === false ? undefined : generateDataset(options.dataset ?? {});
  const canny = new CannySimulator({ ...options.canny, data: dataset?.canny });
  const hubspot = new HubspotSimulator(options.hubspot);
  const slack = new SlackSimulator(options.slack);
  if (dataset) {
    hubspot.seedCompanies(dataset.hubspot.companies);
    hubspot.seedContacts(dataset.hubspot.contacts);
  }
  const close = async (): Promise<void> => {
    await Promise.all([canny.close(), hubspot.close(), slack.close()]);
  };
  try {
    const [cannyUrl, hubspotUrl, slackUrl] = await Promise.all([
      canny.listen(options.ports?.canny ?? 0),
      hubspot.listen(options.ports?.hubspot ?? 0),
      slack.listen(options.ports?.slack ?? 0),
    ]);
    return {
      canny,
      hubspot,
      slack,
      urls: { canny: cannyUrl, hubspot: hubspotUrl, slack: slackUrl },
      dataset,
      close,
    };
  } catch (err) {
    // One port taken must not leave the other two listening.
    await close();
    throw err;
  }
}
