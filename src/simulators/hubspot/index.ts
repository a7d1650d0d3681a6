// A loopback stand-in for the parts of HubSpot's CRM API the sync touches (objects, search, schemas,
// properties and groups, associations v4, ticket pipelines, limits tracking), faithful enough that `@hubspot/api-client` cannot tell it from the real
// service — including the parts that break integrations: exact success codes (the client throws on any
// other 2xx), 207 multi-status batches, the 10-second, per-second search and daily limits with their
// 429 bodies, the 10,000-result search cap, search-index lag and what a portal's tier allows. Facts: docs/reference/hubspot.md and
// ../../../../shared/reference/hubspot.md.
//
// Where things are: simulator.ts composes the portal's state (portal.ts, model.ts, built-ins.ts,
// association-graph.ts, pipeline-store.ts, tier.ts) with the APIs that serve it (objects.ts and
// batch-writes.ts with tickets.ts, search.ts, schemas.ts, properties.ts, property-groups.ts, associations.ts,
// pipelines.ts, limits-tracking.ts), behind router.ts (versions.ts, auth.ts, rate-limits.ts).
export { HubspotSimulator, type HubspotSimulatorOptions } from './simulator';
export type {
  Pipeline,
  PipelineStage,
  PropertyDefinition,
  PropertyGroup,
  PropertyOption,
  PropertyType,
  SchemaAssociation,
  SchemaEgg,
  SchemaRecord,
  SimObject,
} from './model';
export type { NumberedApis } from './versions';
export type { ValidationRule } from './validation-rules';
export { TIERS, type PortalLimits, type Tier } from './tier';
