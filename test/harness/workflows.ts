// A minimal workflow for the harness test: proves a real server, a real worker and an activity round trip.
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities';

const { describeServer } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

export async function harnessWorkflow(name: string): Promise<string> {
  const answer = await describeServer(name);
  return `workflow saw: ${answer}`;
}
