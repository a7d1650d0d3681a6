// hubspot check / setup
import type { Command } from 'commander';
import { applySetup, checkPortal, type PortalReport } from '../clients/hubspot-setup';
import { HubspotGateway } from '../clients/hubspot';
import { createDefaults, hubspotConnection, loadHubspotConfig } from '../config';
import { EXIT, json, jsonOption, type Act, type Context } from './context';

function hubspotGateway(ctx: Context) {
  const cfg = loadHubspotConfig(ctx.env);
  return {
    gateway: new HubspotGateway(hubspotConnection(cfg)),
    settings: {
      objectName: cfg.HUBSPOT_OBJECT_NAME,
      target: cfg.HUBSPOT_TARGET,
      arrProperty: cfg.HUBSPOT_COMPANY_ARR_PROPERTY,
      defaults: createDefaults(cfg),
    },
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
  ctx.out(
    `HubSpot API version ${report.apiVersion} (HUBSPOT_API_VERSION) · custom objects: ` +
      CUSTOM_OBJECTS[report.customObjects],
  );
  ctx.out(`target: ${TARGET_NAMES[report.target.kind]} · ${report.target.why}`);
  report.applied.forEach((line) => ctx.out(`applied: ${line}`));
  report.warnings.forEach((line) => ctx.out(`warning: ${line}`));
  if (report.problems.length === 0) {
    const where =
      report.target.kind === 'tickets'
        ? `tickets, pipeline ${report.pipelineId ?? '?'}`
        : `object type ${report.objectTypeId ?? '?'}`;
    ctx.out(`${which} matches the data model (${where})`);
    ctx.out(REQUIRED_RULES_NOTE);
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
  ctx.out(REQUIRED_RULES_NOTE);
  return code;
}

/** HUBSPOT_TARGET's targets, as `hubspot check` names them. */
const TARGET_NAMES = {
  'custom-object': 'custom object (HUBSPOT_OBJECT_NAME)',
  tickets: 'tickets in the "Feature requests" pipeline',
} as const;

/** What `hubspot check` found of the portal's custom objects (PortalReport.customObjects). */
const CUSTOM_OBJECTS = {
  available: 'available (the portal holds one)',
  unconfirmed:
    'unconfirmed: the portal holds none; only Enterprise portals can create one (Starter and Professional cannot), and `hubspot setup --apply` finds out',
  unavailable: 'not available to this token or portal (they need Enterprise)',
} as const;

/** What no check can see: HubSpot's API lists no required or conditionally required property. */
const REQUIRED_RULES_NOTE =
  "note: HubSpot enforces the portal's required-property rules on writes from API version 2026-09, and its " +
  'API does not list them: a company or contact a rule refuses is a record failure naming the property. Meet ' +
  'it with HUBSPOT_COMPANY_DEFAULTS or HUBSPOT_CONTACT_DEFAULTS ("property=value,…").';

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
