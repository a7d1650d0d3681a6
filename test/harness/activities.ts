import { activityInfo } from '@temporalio/activity';

export async function describeServer(name: string): Promise<string> {
  return Promise.resolve(`hello ${name} from activity attempt ${activityInfo().attempt}`);
}
