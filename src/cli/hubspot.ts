// hubspot check / setup
import type { Command } from 'commander';
import { applySetup, checkPortal, type PortalReport } from '../clients/hubspot-setup';
import { HubspotGateway } from '../clients/hubspot';
import { loadHubspotConfig } from '../config';
import { EXIT, json, jsonOption, type Act, type Context } from './context';

function hubspotGateway(ctx: Context) {
  const cfg = loadHubspotConfig(ctx.env);
  return {
    gateway: new HubspotGateway({
      accessToken: cfg.HUBSPOT_ACCESS_TOKEN,
      baseUrl: cfg.HUBSPOT_BASE_URL,
      timeoutMs: cfg.HUBSPOT_REQUEST_TIMEOUT_MS,
    }),
    settings: { objectName: cfg.HUBSPOT_OBJECT_NAME, arrProperty: cfg.HUBSPOT_COMPANY_ARR_PROPERTY },
    baseUrl: cfg.HUBSPOT_BASE_URL,
  };
}

/** Which portal the command talks to: its id (asked once; null when HubSpot would not say) and base URL. */
async function portalOf(
  ctx: Context,
  gateway: HubspotGateway,
  baseUrl: string,
): Promise<{ id: string | null; baseUrl: string }> {
  const id = await gateway.portalId().catch(() => null);
  ctx.err(`environment ${ctx.env.SYNC_ENV ?? 'default'} · HubSpot portal ${id ?? '(unknown)'} at ${baseUrl}`);
  return { id, baseUrl };
}

function printPortalReport(
  ctx: Context,
  report: PortalReport,
  portal: { id: string | null; baseUrl: string },
  opts: { json?: boolean; apply?: boolean },
): number {
  const code = report.problems.length > 0 ? EXIT.problems : EXIT.ok;
  if (opts.json) {
    json(ctx, { ok: code === EXIT.ok, portal, ...report });
    return code;
  }
  const which = `HubSpot portal ${portal.id ?? '(id unknown)'} at ${portal.baseUrl}`;
  report.applied.forEach((line) => ctx.out(`applied: ${line}`));
  if (report.problems.length === 0) {
    ctx.out(`${which} matches the data model (object type ${report.objectTypeId ?? '?'})`);
    return code;
  }
  ctx.out(`${which} differs from the data model (${report.problems.length}):`);
  for (const problem of report.problems) {
    const manual = report.manual.includes(problem)
      ? ' [needs a person: --apply never changes what exists]'
      : '';
    ctx.out(`  - ${problem.subject}: ${problem.message}${manual}`);
  }
  if (!opts.apply && report.problems.length > report.manual.length)
    ctx.out('Run `hubspot setup --apply` to create what is missing.');
  return code;
}

async function hubspotCheck(ctx: Context, opts: { json?: boolean }): Promise<number> {
  const { gateway, settings, baseUrl } = hubspotGateway(ctx);
  const portal = await portalOf(ctx, gateway, baseUrl);
  return printPortalReport(ctx, await checkPortal(gateway, settings), portal, opts);
}

async function hubspotSetup(ctx: Context, opts: { json?: boolean; apply?: boolean }): Promise<number> {
  const { gateway, settings, baseUrl } = hubspotGateway(ctx);
  const portal = await portalOf(ctx, gateway, baseUrl);
  const report = opts.apply ? await applySetup(gateway, settings) : await checkPortal(gateway, settings);
  return printPortalReport(ctx, report, portal, opts);
}

export function addHubspotCommands(program: Command, ctx: Context, act: Act): void {
  const hubspot = program
    .command('hubspot')
    .description('check or set up the HubSpot portal (needs HUBSPOT_*)');
  hubspot
    .command('check')
    .description('compare the portal with the data model; exit 3 when they differ')
    .addOption(jsonOption())
    .action(act((opts: { json?: boolean }) => hubspotCheck(ctx, opts)));
  hubspot
    .command('setup')
    .description('show what is missing; with --apply create it (never changes what exists)')
    .option('--apply', 'create the missing object, properties and associations')
    .addOption(jsonOption())
    .action(act((opts: { json?: boolean; apply?: boolean }) => hubspotSetup(ctx, opts)));
}
