// The portal's feature request records, in either target (src/domain/request-target.ts). The activities read
// and write them by the contract's property names; this translates to and from the target's names (a ticket's
// `fr_external_id`, `subject`, its pipeline and stage) and keeps a ticket scan inside the Feature requests
// pipeline. The gateway's own errors and counters apply unchanged.
import { fromPortal, portalName, toPortal, type RequestTarget } from '../domain/request-target';
import type { HubspotGateway, HubspotRecord, RecordError, UpsertResult } from './hubspot';

export class RequestRecords {
  constructor(
    private readonly gateway: HubspotGateway,
    readonly objectTypeId: string,
    readonly target?: RequestTarget,
  ) {}

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
    inputs: Array<{ externalId: string; properties: Record<string, string> }>,
  ): Promise<{ results: UpsertResult[]; errors: RecordError[] }> {
    const idProperty = portalName(this.target, 'external_id');
    const result = await this.gateway.upsert(
      this.objectTypeId,
      inputs.map((i) => ({ id: i.externalId, idProperty, properties: toPortal(this.target, i.properties) })),
      inputs.map((i) => i.externalId),
    );
    return { results: result.results.map((r) => this.record(r)), errors: result.errors };
  }

  async batchUpdate(
    inputs: Array<{ id: string; properties: Record<string, string> }>,
  ): Promise<{ updated: string[]; errors: RecordError[] }> {
    return this.gateway.batchUpdate(
      this.objectTypeId,
      inputs.map((i) => ({ id: i.id, properties: toPortal(this.target, i.properties) })),
    );
  }

  /**
   * One page of every stored request, keyset on the record id. On tickets, only the Feature requests
   * pipeline's: the portal's other tickets (support, say) are never the sync's.
   */
  async scanPage(
    properties: string[],
    afterId?: string,
  ): Promise<{ records: HubspotRecord[]; nextAfterId?: string }> {
    const filters = [
      ...(afterId ? [{ propertyName: 'hs_object_id', operator: 'GT' as const, value: afterId }] : []),
      ...(this.target?.kind === 'tickets'
        ? [{ propertyName: 'hs_pipeline', operator: 'EQ' as const, value: this.target.pipelineId }]
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
