// The harness workflow with an incompatible change (a timer before the activity): replaying the recorded
// history against it must fail, which is what protects running workflows from unsafe deploys.
import { proxyActivities, sleep } from '@temporalio/workflow';
import type * as activities from './activities';

const { describeServer } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

export async function harnessWorkflow(name: string): Promise<string> {
  await sleep('1 second');
  const answer = await describeServer(name);
  return `workflow saw: ${answer}`;
}
