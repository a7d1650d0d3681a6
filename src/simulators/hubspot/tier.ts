// The portal's subscription tier and the limits that follow from it (docs/reference/hubspot.md, "Tickets,
// pipelines, limits and the tier"): custom objects need Enterprise, custom association labels Professional or
// Enterprise; the numbers of ticket pipelines, custom properties and custom object types are capped per tier.
// The numbers are *unconfirmed* defaults a test can override (`setLimits`).
import { HubspotError } from './errors';

/** The subscription tiers, lowest first. */
export const TIERS = ['free', 'starter', 'professional', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];

export interface PortalLimits {
  customProperties: number;
  ticketPipelines: number;
  customObjectTypes: number;
}

const TIER_NAMES: Record<Tier, string> = {
  free: 'Free',
  starter: 'Starter',
  professional: 'Professional',
  enterprise: 'Enterprise',
};

export function tierLimits(tier: Tier): PortalLimits {
  return {
    customProperties: tier === 'free' ? 10 : 1_000,
    ticketPipelines: tier === 'free' ? 1 : tier === 'starter' ? 2 : 100,
    customObjectTypes: tier === 'enterprise' ? 10 : 0,
  };
}

export class Subscription {
  tier: Tier;
  limits: PortalLimits;

  constructor(private readonly initial: Tier) {
    this.tier = initial;
    this.limits = tierLimits(initial);
  }

  /** Back to the tier the portal was built with, and its limits. */
  reset(): void {
    this.setTier(this.initial);
  }

  /** Moves to another tier; its limits replace any set before. */
  setTier(tier: Tier): void {
    this.tier = tier;
    this.limits = tierLimits(tier);
  }

  get hasCustomObjects(): boolean {
    return this.tier === 'enterprise';
  }

  get hasCustomAssociationLabels(): boolean {
    return this.tier === 'professional' || this.tier === 'enterprise';
  }

  /** The 403 a portal answers for a feature its subscription lacks (the exact body is *unconfirmed*). */
  refusal(feature: string, needs: string): HubspotError {
    return new HubspotError(
      403,
      'FORBIDDEN',
      `This portal's subscription (${TIER_NAMES[this.tier]}) does not include ${feature}: they need ${needs}.`,
    );
  }
}

/** The 400 a create answers when it would take the portal past one of its limits (*unconfirmed* text). */
export function limitReached(what: string, limit: number, usage: number, adding = 1): HubspotError {
  return new HubspotError(
    400,
    'VALIDATION_ERROR',
    `The portal's limit of ${limit} ${what} would be exceeded: ${usage} in use, ${adding} more requested.`,
    { context: { limit: [String(limit)], usage: [String(usage)] } },
  );
}

/** A percentage of a limit as the limits tracking API reports it (0 for a limit of 0). */
export function percentage(usage: number, limit: number): number {
  return limit > 0 ? Math.round((usage * 10_000) / limit) / 100 : 0;
}
