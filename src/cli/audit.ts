// runs show: a run's audit trail from the run store (what it planned and wrote), and the listing a dry run
// prints after its summary. Reads SYNC_STORE_URL as the workers do; never creates or migrates a store.
import type { Command } from 'commander';
import { parsePayloadKeys } from '../codec/keys';
import { auditOf, runsOf, type RunAudit } from '../store/audit';
import { newRunSeal } from '../store/sealing';
import { EXIT, json, jsonOption, usageError, type Act, type Context } from './context';
import { existingStore } from './store';

/** Requests listed in text; --json lists all. */
const TEXT_LIMIT = 200;

/** The audit of the newest run of `workflowId` (or of the run whose first run id is `runId`). */
export async function readAudit(
  ctx: Context,
  workflowId: string,
  runId?: string,
): Promise<{ audit?: RunAudit; where: string; exists: boolean }> {
  const { db, where } = await existingStore(ctx);
  if (!db) return { where, exists: false };
  try {
    const keys = runId ? [`${workflowId}:${runId}`] : await runsOf(db, workflowId);
    if (keys.length === 0) return { where, exists: true };
    // Sealed plans (a run still going) open with the payload keys of this shell.
    const seal = newRunSeal(parsePayloadKeys(ctx.env.SYNC_PAYLOAD_KEYS).keys);
    const audit = await auditOf(db, keys[0]!, seal);
    return audit ? { audit, where, exists: true } : { where, exists: true };
  } finally {
    await db.destroy();
  }
}

const quote = (value: string | null): string => (value === null ? '(none)' : JSON.stringify(value));

/** The audit as lines a person reads. */
export function auditLines(audit: RunAudit): string[] {
  const lines: string[] = [];
  const creates = audit.requests.filter((r) => r.action === 'create').length;
  const updates = audit.requests.filter((r) => r.action === 'update').length;
  const labels = audit.requests.filter((r) => r.action === 'label').length;
  lines.push(
    `Run ${audit.runKey} (${audit.mode}${audit.domain ? ` ${audit.domain}` : ''}), started ${audit.startedAt}` +
      (audit.finishedAt ? `, ended ${audit.finishedAt}` : ', not ended'),
  );
  lines.push(
    `Requests: ${creates} to create, ${updates} to update, ${labels} to label only, ${audit.unchanged} unchanged`,
  );
  for (const request of audit.requests.slice(0, TEXT_LIMIT)) {
    const sign = { create: '+', update: '~', label: '=' }[request.action];
    const links = [
      request.companyIds.length > 0 ? `companies ${request.companyIds.join(', ')}` : '',
      request.contactIds.length > 0 ? `contacts ${request.contactIds.join(', ')}` : '',
    ]
      .filter((l) => l !== '')
      .join(' · ');
    lines.push(`  ${sign} ${request.externalId} ${quote(request.name)}${links ? ` → ${links}` : ''}`);
    for (const [name, [before, after]] of Object.entries(request.changes ?? {}))
      lines.push(`      ${name}: ${quote(before)} → ${quote(after)}`);
  }
  if (audit.requests.length > TEXT_LIMIT)
    lines.push(`  … and ${audit.requests.length - TEXT_LIMIT} more (--json lists every one)`);
  if (audit.sealedPages > 0)
    lines.push(`  (${audit.sealedPages} page plans are sealed with a payload key this shell lacks)`);
  if (audit.vanished.length > 0) {
    lines.push(
      `Gone from the source: ${audit.vanished.length} (marked within SYNC_MAX_VANISHED, or when confirmed)`,
    );
    for (const v of audit.vanished.slice(0, TEXT_LIMIT))
      lines.push(
        `  - ${v.externalId} → ${v.properties.source_state ?? '?'}` +
          (v.properties.merged_into ? ` into ${v.properties.merged_into}` : ''),
      );
  }
  if (audit.companiesToCreate.length > 0)
    lines.push(
      `Companies to create (${audit.companiesToCreate.length}): ${audit.companiesToCreate.join(', ')}`,
    );
  if (audit.contactsToCreate.length > 0)
    lines.push(
      `Contacts to create (${audit.contactsToCreate.length}): ${audit.contactsToCreate.join(', ')} ` +
        '(by their position in the run, never by email)',
    );
  const { companies, contacts } = audit.associations;
  lines.push(
    `Associations: companies +${companies.add} −${companies.remove} · contacts +${contacts.add} −${contacts.remove}`,
  );
  return lines;
}

async function runsShow(
  ctx: Context,
  workflowId: string,
  opts: { runId?: string; json?: boolean },
): Promise<number> {
  const { audit, where, exists } = await readAudit(ctx, workflowId, opts.runId);
  if (!audit) {
    const message = exists
      ? `the run store at ${where} holds no run of ${workflowId}${opts.runId ? ` (${opts.runId})` : ''}: ` +
        'it keeps runs for SYNC_STORE_RETENTION_DAYS'
      : `no run store at ${where}: set SYNC_STORE_URL as the workers have it`;
    if (opts.json) json(ctx, { error: message, code: EXIT.failed, hint: null });
    else ctx.err(message);
    return EXIT.failed;
  }
  if (opts.json) json(ctx, audit);
  else auditLines(audit).forEach((line) => ctx.out(line));
  return EXIT.ok;
}

export function addRunsCommands(program: Command, ctx: Context, act: Act): void {
  const runs = program.command('runs').description('read the run store’s audit trail (needs SYNC_STORE_URL)');
  runs
    .command('show')
    .description(
      'what a run planned and wrote: requests (old → new for dry runs), companies, contacts, pairs',
    )
    .argument('<workflowId>', 'the run’s workflow id, e.g. feedback-sync/default/dry-run')
    .option('--run-id <id>', 'the first run id of the run (default: its newest run in the store)')
    .addOption(jsonOption())
    .action(
      act((workflowId: string, opts: { runId?: string; json?: boolean }) => {
        if (workflowId.trim() === '') throw usageError('a workflow id is required');
        return runsShow(ctx, workflowId, opts);
      }),
    );
}
