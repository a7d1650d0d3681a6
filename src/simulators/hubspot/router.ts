// How every HubSpot route is served: on its numbered path and its dated one, an unsupported version refused as
// HubSpot refuses it, then the token and its scopes, then the rate limits, then the handler, whose HubspotError
// becomes HubSpot's error body.
import type { SimRequest, SimResponse, SimServer } from '../http-kit';
import type { Access } from './auth';
import { errorBody, HubspotError } from './errors';
import type { RateLimits } from './rate-limits';
import {
  datedStatus,
  datedTemplate,
  SERVED_DATE_VERSIONS,
  versionOfPath,
  type NumberedApis,
} from './versions';

export type RouteHandler = (req: SimRequest) => SimResponse;
export type LimitKind = 'standard' | 'search';

/** What an API module registers its routes with. */
export interface Api {
  (method: string, template: string, handler: RouteHandler, limit?: LimitKind): void;
}

export class Router {
  constructor(
    private readonly server: SimServer,
    private readonly access: Access,
    private readonly limits: RateLimits,
    private readonly numberedApis: NumberedApis,
  ) {}

  /**
   * Registers an authenticated, rate-limited HubSpot route on its numbered path and on its dated one
   * (`/crm/objects/2026-09/…`). The numbered one answers as an unsupported version unless `numberedApis` is
   * `serve`; the dated one answers an unknown date likewise, and with the dated status codes.
   */
  readonly api: Api = (method, template, handler, limit = 'standard') => {
    this.route(method, template, handler, limit, false);
    const dated = datedTemplate(template);
    if (dated) this.route(method, dated, handler, limit, true);
  };

  private route(
    method: string,
    template: string,
    handler: RouteHandler,
    limit: LimitKind,
    dated: boolean,
  ): void {
    this.server.route(method, template, (req) => {
      const version = dated ? req.params.apiVersion! : versionOfPath(req.path);
      if (dated ? !SERVED_DATE_VERSIONS.includes(version) : this.numberedApis === 'refuse')
        return unsupportedVersion(method, req, version);
      const refused = this.access.refusal(method, req, dated);
      if (refused) return refused;
      const limited = this.limits.check(limit === 'search');
      if (limited) return limited;
      let answer: SimResponse;
      try {
        answer = handler(req);
      } catch (err) {
        if (!(err instanceof HubspotError)) throw err;
        answer = { status: err.status, body: errorBody(err.category, err.message, err.extra) };
      }
      if (dated)
        answer = { ...answer, ...datedStatus(method, template, version, answer.status, answer.body) };
      // Search responses carry no rate-limit headers: they do not draw on the 10-second window.
      if (limit === 'standard') answer.headers = { ...this.limits.headers(), ...(answer.headers ?? {}) };
      return answer;
    });
  }
}

/** HubSpot answers a retired or unknown version with a 404 (docs/reference/hubspot.md). */
function unsupportedVersion(method: string, req: SimRequest, version: string): SimResponse {
  return {
    status: 404,
    body: errorBody(
      'OBJECT_NOT_FOUND',
      `API version ${version} is not supported for ${method} ${req.path}: use a date-based version ` +
        `(${SERVED_DATE_VERSIONS.join(', ')})`,
    ),
  };
}
