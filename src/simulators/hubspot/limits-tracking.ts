// The limits tracking API (`/crm/limits/{v}/…`, HubSpot's 2026-09 limits tracking reference): the portal's
// custom-property, pipeline and custom-object-type limits with what it uses of them. Usage is counted from the
// portal as it is: custom (not HubSpot-defined) properties, the pipelines present, the custom schemas.
import type { Json } from './model';
import { TICKETS } from './model';
import type { Portal } from './portal';
import type { Api } from './router';
import { customObjectTypeCount } from './schemas';
import { percentage } from './tier';

/** The pipeline limit of a custom object type (*unconfirmed*; 0 where the portal has no custom objects). */
const CUSTOM_OBJECT_PIPELINES = 100;

export class LimitsTrackingApi {
  constructor(private readonly portal: Portal) {}

  register(api: Api): void {
    const limits = '/crm/v3/limits';
    api('GET', `${limits}/custom-properties`, () => ({ status: 200, body: this.customProperties() }));
    api('GET', `${limits}/pipelines`, () => ({ status: 200, body: this.pipelines() }));
    api('GET', `${limits}/custom-object-types`, () => {
      const limit = this.portal.subscription.limits.customObjectTypes;
      const usage = customObjectTypeCount(this.portal);
      return { status: 200, body: { limit, usage, percentage: percentage(usage, limit) } };
    });
  }

  /** CustomPropertyLimitResponse; each type's own limit is the portal's (*unconfirmed*). */
  private customProperties(): Json {
    const limit = this.portal.subscription.limits.customProperties;
    const overallUsage = this.portal.customPropertyCount();
    return {
      overallLimit: limit,
      overallUsage,
      overallPercentage: percentage(overallUsage, limit),
      byObjectType: [...this.portal.types.values()].map((type) => {
        const usage = this.portal.customPropertyCount(type);
        return {
          objectTypeId: type.objectTypeId,
          singularLabel: type.labels.singular,
          pluralLabel: type.labels.plural,
          limit,
          usage,
          percentage: percentage(usage, limit),
        };
      }),
    };
  }

  /** PipelineLimitResponse: tickets among the HubSpot-defined types, then the custom object types. */
  private pipelines(): Json {
    const portal = this.portal;
    const tickets = portal.types.get(TICKETS)!;
    const limit = portal.subscription.limits.ticketPipelines;
    const usage = portal.pipelines.list(TICKETS).length;
    const customTypes = [...portal.types.values()].filter((t) => t.schema);
    const customLimit = portal.subscription.hasCustomObjects ? CUSTOM_OBJECT_PIPELINES : 0;
    const customUsage = customTypes.reduce((n, t) => n + portal.pipelines.list(t.objectTypeId).length, 0);
    return {
      hubspotDefinedObjectTypes: [
        {
          objectTypeId: TICKETS,
          singularLabel: tickets.labels.singular,
          pluralLabel: tickets.labels.plural,
          limit,
          usage,
          percentage: percentage(usage, limit),
        },
      ],
      customObjectTypes: {
        overallLimit: customLimit,
        overallUsage: customUsage,
        overallPercentage: percentage(customUsage, customLimit),
        byObjectType: customTypes.map((t) => ({
          objectTypeId: t.objectTypeId,
          singularLabel: t.labels.singular,
          pluralLabel: t.labels.plural,
          usage: portal.pipelines.list(t.objectTypeId).length,
        })),
      },
    };
  }
}
