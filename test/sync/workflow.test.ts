// Workflow-level behaviour on the dev server: dry runs, continue-as-new hand-over, progress and details.
import assert from 'node:assert/strict';
import { progressQuery, syncCompanySignal, syncFeatureRequests } from '../../src/workflows';
import { startStack, type Stack } from '../support/stack';

const DATASET = { seed: 11, posts: 25, votes: 150, users: 40, companies: 15 };

describe('sync workflow behaviour', function () {
  this.timeout(240_000);
  let stack: Stack;

  beforeEach(async () => {
    stack = await startStack({ simulators: { dataset: DATASET } });
  });
  afterEach(async () => {
    await stack?.close();
  });

  it('a dry run writes nothing and reports the plan', async () => {
    const before = stack.hubspotWrites();
    const plan = await stack.sync({ dryRun: true });
    assert.equal(stack.hubspotWrites(), before, 'zero write requests');
    assert.equal(stack.sims.hubspot.objects('feature_request').length, 0);
    assert.equal(plan.dryRun, true);
    assert.equal(
      plan.featureRequests.created,
      plan.featureRequests.identified,
      'every request would be created',
    );
    assert.ok(plan.companies.created > 0, 'missing companies would be created');
    assert.ok(plan.contacts.created > 0, 'missing contacts would be created');
    assert.ok(plan.associations.created > 0, 'associations would be created');
    assert.match(
      stack.sims.slack.messages()[0]?.text ?? '',
      /dry run/i,
      'the Slack summary says it was a dry run',
    );

    // The real run does what the dry run announced.
    const real = await stack.sync();
    assert.equal(real.featureRequests.created, plan.featureRequests.created);
    assert.equal(real.companies.created, plan.companies.created);
    assert.equal(real.contacts.created, plan.contacts.created);
  });

  it('continues as new when history grows and still reaches the same result', async () => {
    const expected = await stack.sync();
    // Pages of 5 posts make enough units of work for several hand-overs.
    const chained = await startStack({ simulators: { dataset: DATASET }, env: { SYNC_PAGE_SIZE: '5' } });
    try {
      const workflowId = `${chained.taskQueue}/can`;
      const summary = await chained.sync({ continueAsNewAfterEvents: 30, parallel: 2 }, workflowId);
      // Walk the chain of runs: each one's history ends in ContinuedAsNew naming the next.
      const described = await chained.env.client.workflow.getHandle(workflowId).describe();
      let runId: string | undefined = described.raw.workflowExecutionInfo?.firstRunId ?? undefined;
      let runs = 0;
      while (runId) {
        runs++;
        const history = await chained.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
        const last = history.events?.at(-1);
        runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
      assert.ok(runs > 2, `expected several continue-as-new hand-overs, got ${runs} run(s)`);
      for (const key of ['featureRequests', 'companies', 'contacts', 'associations'] as const) {
        assert.deepEqual(summary[key], expected[key], key);
      }
      assert.equal(chained.sims.hubspot.objects('feature_request').length, expected.featureRequests.created);
      assert.equal(chained.sims.slack.messages().length, 1, 'one summary for the whole chain');
    } finally {
      await chained.close();
    }
  });

  it('answers the progress query and keeps the environment in search attributes', async () => {
    const handle = await stack.env.client.workflow.start(syncFeatureRequests, {
      taskQueue: stack.taskQueue,
      workflowId: `${stack.taskQueue}/progress`,
      // The stack's workers refuse a run of another environment (environment-guard.test.ts).
      args: [{ environment: stack.config.SYNC_ENV, mode: 'full' }],
    });
    const summary = await handle.result();
    const progress = await handle.query(progressQuery);
    assert.equal(progress.phase, 'done');
    assert.equal(progress.counts.featureRequests.identified, summary.featureRequests.identified);
    const description = await handle.describe();
    assert.deepEqual(description.searchAttributes.FeedbackSyncEnvironment, [stack.config.SYNC_ENV]);
    assert.deepEqual(description.searchAttributes.FeedbackSyncMode, ['full']);
    assert.equal(summary.environment, stack.config.SYNC_ENV);
  });

  it('a syncCompany signal during a company run makes it run exactly once more', async () => {
    const slow = await startStack({
      simulators: { dataset: DATASET },
      env: { HUBSPOT_REQUESTS_PER_10S: '20' },
    });
    try {
      const expected = slow.sims.dataset!.expected;
      const domain = expected.companyDomains.find((d) =>
        Object.values(expected.posts).some((p) => p.companyDomains.includes(d)),
      )!;
      const workflowId = `${slow.taskQueue}/company/${domain}`;
      const start = () =>
        slow.env.client.workflow.signalWithStart(syncFeatureRequests, {
          taskQueue: slow.taskQueue,
          workflowId,
          args: [{ environment: 'test', mode: 'company', domain }],
          signal: syncCompanySignal,
          signalArgs: [{ domain }],
        });
      const setupWrites = slow.hubspotWrites();
      const handle = await start();
      // Wait until the run is under way (it has written), then ask again, twice: one more run, not two.
      for (let i = 0; i < 300 && slow.hubspotWrites() === setupWrites; i++)
        await new Promise((r) => setTimeout(r, 100));
      await start();
      await start();
      const summary = await handle.result();
      assert.equal(summary.mode, 'company');
      assert.equal(slow.sims.slack.messages().length, 2, 'two passes, two summaries');
      assert.equal(summary.featureRequests.created, 0, 'the second pass found everything in place');
    } finally {
      await slow.close();
    }
  });
});
