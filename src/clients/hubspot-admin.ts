// Portal administration that `hubspot check` and `hubspot setup` need for the tickets target: ticket
// pipelines, property groups and the portal's limits (limits tracking API). Paths and shapes are HubSpot's
// 2026-09 reference (docs/reference/hubspot.md "Tickets, pipelines, limits and the tier").
import type { HubspotGateway } from './hubspot';

export interface PipelineInfo {
  id: string;
  label: string;
  archived: boolean;
  stages: Array<{ id: string; label: string; archived: boolean }>;
}

/** A limit and how much of it the portal uses. */
export interface LimitUsage {
  limit: number;
  usage: number;
}

interface PipelineJson {
  id: string;
  label: string;
  archived?: boolean;
  stages?: Array<{ id: string; label: string; archived?: boolean }>;
}

export async function listPipelines(gateway: HubspotGateway, objectType: string): Promise<PipelineInfo[]> {
  const body = await gateway.request<{ results: PipelineJson[] }>(
    `list ${objectType} pipelines`,
    'GET',
    gateway.paths.pipelines(objectType),
  );
  return body.results.map(pipelineOf);
}

export async function createPipeline(
  gateway: HubspotGateway,
  objectType: string,
  input: {
    label: string;
    displayOrder: number;
    stages: Array<{ label: string; displayOrder: number; metadata: Record<string, string> }>;
  },
): Promise<PipelineInfo> {
  const body = await gateway.request<PipelineJson>(
    `create ${objectType} pipeline "${input.label}"`,
    'POST',
    gateway.paths.pipelines(objectType),
    input,
  );
  return pipelineOf(body);
}

export async function createPipelineStage(
  gateway: HubspotGateway,
  objectType: string,
  pipelineId: string,
  input: { label: string; displayOrder: number; metadata: Record<string, string> },
): Promise<void> {
  await gateway.request(
    `create ${objectType} pipeline stage "${input.label}"`,
    'POST',
    gateway.paths.pipelines(objectType, `/${encodeURIComponent(pipelineId)}/stages`),
    input,
  );
}

function pipelineOf(json: PipelineJson): PipelineInfo {
  return {
    id: String(json.id),
    label: json.label,
    archived: json.archived === true,
    stages: (json.stages ?? []).map((s) => ({
      id: String(s.id),
      label: s.label,
      archived: s.archived === true,
    })),
  };
}

export async function listPropertyGroups(gateway: HubspotGateway, objectType: string): Promise<string[]> {
  const body = await gateway.request<{ results: Array<{ name: string }> }>(
    `list ${objectType} property groups`,
    'GET',
    gateway.paths.propertyGroups(objectType),
  );
  return body.results.map((g) => g.name);
}

export async function createPropertyGroup(
  gateway: HubspotGateway,
  objectType: string,
  group: { name: string; label: string; displayOrder: number },
): Promise<void> {
  await gateway.request(
    `create ${objectType} property group ${group.name}`,
    'POST',
    gateway.paths.propertyGroups(objectType),
    group,
  );
}

/** The portal's custom-property limit, overall and for one object type. */
export async function customPropertyLimits(
  gateway: HubspotGateway,
  objectTypeId: string,
): Promise<{ overall: LimitUsage; object?: LimitUsage }> {
  const body = await gateway.request<{
    overallLimit: number;
    overallUsage: number;
    byObjectType?: Array<{ objectTypeId: string; limit: number; usage: number }>;
  }>('read custom property limits', 'GET', gateway.paths.limits('custom-properties'));
  const object = body.byObjectType?.find((o) => o.objectTypeId === objectTypeId);
  return {
    overall: { limit: Number(body.overallLimit), usage: Number(body.overallUsage) },
    ...(object ? { object: { limit: Number(object.limit), usage: Number(object.usage) } } : {}),
  };
}

/** The pipeline limit of a HubSpot-defined object type (tickets: `0-5`), if the portal reports one. */
export async function pipelineLimit(
  gateway: HubspotGateway,
  objectTypeId: string,
): Promise<LimitUsage | undefined> {
  const body = await gateway.request<{
    hubspotDefinedObjectTypes?: Array<{ objectTypeId: string; limit: number; usage: number }>;
  }>('read pipeline limits', 'GET', gateway.paths.limits('pipelines'));
  const found = body.hubspotDefinedObjectTypes?.find((o) => o.objectTypeId === objectTypeId);
  return found ? { limit: Number(found.limit), usage: Number(found.usage) } : undefined;
}

/** How many custom object types the portal may define and defines (a limit of 0: below Enterprise). */
export async function customObjectTypeLimit(gateway: HubspotGateway): Promise<LimitUsage> {
  const body = await gateway.request<{ limit: number; usage: number }>(
    'read custom object type limit',
    'GET',
    gateway.paths.limits('custom-object-types'),
  );
  return { limit: Number(body.limit), usage: Number(body.usage) };
}
