// The portal's feature request records, in either target (src/domain/request-target.ts). The activities read
// and write them by the contract's property names; this translates to and from the target's names (a ticket's
// `fr_external_id`, `subject`, its pipeline and stage) and keeps a ticket scan inside the Feature requests
// pipeline. The gateway's own errors and counters apply unchanged.
import {
  fromPortal,
  portalName,
  TICKETS,
  toPortal,
  type RequestTarget,
  type StageWrite,
} from '../domain/request-target';
import { failure, FailureType } from '../failures';
import type { HubspotGateway, HubspotRecord, RecordError, UpsertResult } from './hubspot';

export class RequestRecords {
  constructor(
    private readonly gateway: HubspotGateway,
    readonly objectTypeId: string,
    readonly target?: RequestTarget,
  ) {
    // Tickets without their target would be read and written by the custom object's names, and a scan would
    // take in the portal's every ticket: only a run's workflow code of an older version can ask that.
    if (
      (objectTypeId === TICKETS.objectTypeId || objectTypeId === TICKETS.objectType) &&
      target?.kind !== 'tickets'
    )
      throw failure(
        FailureType.HubspotSchemaMissing,
        "tickets named without the run's target (pipeline and stages): the run's workflow code predates the " +
          'tickets target. Finish the deploy; the next run writes them',
      );
  }

  private names(properties: string[]): string[] {
    return properties.map((name) => portalName(this.target, name));
  }

  private record<R extends { properties: Record<string, string | null> }>(record: R): R {
    return { ...record, properties: fromPortal(this.target, record.properties) };
  }

  /** The requests held under these external ids (absent ones are not returned). */
  async readByExternalIds(externalIds: string[], properties: string[]): Promise<HubspotRecord[]> {
    const records = await this.gateway.batchRead(
      this.objectTypeId,
      externalIds,
      portalName(this.target, 'external_id'),
      this.names(properties),
    );
    return records.map((r) => this.record(r));
  }

  /** Creates or updates each request by its external id (one batch, safe to repeat). */
  async upsert(
    inputs: Array<{ externalId: string; properties: Record<string, string>; stage: StageWrite }>,
  ): Promise<{ results: UpsertResult[]; errors: RecordError[] }> {
    const idProperty = portalName(this.target, 'external_id');
    const result = await this.gateway.upsert(
      this.objectTypeId,
      inputs.map((i) => ({
        id: i.externalId,
        idProperty,
        properties: toPortal(this.target, i.properties, i.stage),
      })),
      inputs.map((i) => i.externalId),
    );
    return { results: result.results.map((r) => this.record(r)), errors: result.errors };
  }

  async batchUpdate(
    inputs: Array<{ id: string; properties: Record<string, string> }>,
  ): Promise<{ updated: string[]; errors: RecordError[] }> {
    return this.gateway.batchUpdate(
      this.objectTypeId,
      // Updates by id (a commit, a merge or deletion mark) never move a ticket.
      inputs.map((i) => ({ id: i.id, properties: toPortal(this.target, i.properties, 'keep') })),
    );
  }

  /**
   * One page of every stored request, keyset on the record id. On tickets, those carrying the sync's key,
   * wherever they are: the portal's other tickets (support, say) are never the sync's, and a ticket a person
   * moved to another pipeline is still its request (it stays where they put it).
   */
  async scanPage(
    properties: string[],
    afterId?: string,
  ): Promise<{ records: HubspotRecord[]; nextAfterId?: string }> {
    const filters = [
      ...(afterId ? [{ propertyName: 'hs_object_id', operator: 'GT' as const, value: afterId }] : []),
      ...(this.target?.kind === 'tickets'
        ? [{ propertyName: portalName(this.target, 'external_id'), operator: 'HAS_PROPERTY' as const }]
        : []),
    ];
    const page = await this.gateway.searchPage(
      this.objectTypeId,
      filters.length > 0 ? [{ filters }] : [],
      this.names(properties),
    );
    const lastId = page.records.at(-1)?.id;
    return {
      records: page.records.map((r) => this.record(r)),
      ...(page.after && lastId ? { nextAfterId: lastId } : {}),
    };
  }
}
