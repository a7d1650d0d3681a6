// Who may call: the bearer token the portal accepts, the granular scope each call needs, and HubSpot's 401 and
// 403 answers (docs/reference/hubspot.md, "Refusals").
import type { SimRequest, SimResponse } from '../http-kit';
import { errorBody } from './errors';

/**
 * The granular scope a call needs: schemas, or the objects of its type, to read or to write. Tickets have one
 * scope, `tickets`, for their records, properties and pipelines alike (the tickets and pipelines references).
 * The limits tracking API takes any of many scopes: none is checked.
 */
export function scopeOf(method: string, req: SimRequest): string | undefined {
  const reads = method === 'GET' || req.path.endsWith('/search') || req.path.endsWith('/batch/read');
  const access = reads ? 'read' : 'write';
  if (req.path.startsWith('/crm-object-schemas/') || req.path.startsWith('/crm/v3/schemas'))
    return `crm.schemas.custom.${access}`;
  const type = req.params.objectType ?? req.params.fromObjectType;
  if (type === undefined) return undefined;
  if (['tickets', '0-5'].includes(type.toLowerCase())) return 'tickets';
  const kind = ['companies', '0-2'].includes(type)
    ? 'companies'
    : ['contacts', '0-1'].includes(type)
      ? 'contacts'
      : 'custom';
  return `crm.objects.${kind}.${access}`;
}

export class Access {
  /** See `denyScopes`. */
  deniedScopes = new Set<string>();

  constructor(public accessToken: string) {}

  /** HubSpot's 401 or 403 for this call, or undefined when the token may make it. */
  refusal(method: string, req: SimRequest, dated: boolean): SimResponse | undefined {
    const auth = req.headers.authorization;
    if (auth !== `Bearer ${this.accessToken}`) {
      return {
        status: 401,
        body: errorBody(
          'INVALID_AUTHENTICATION',
          auth
            ? 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview'
            : 'Authentication credentials not found.',
        ),
      };
    }
    const scope = scopeOf(method, req);
    if (scope !== undefined && this.deniedScopes.has(scope)) return missingScopes(scope, dated);
    return undefined;
  }
}

/** HubSpot's answer to a token without a scope the call needs (docs/reference/hubspot.md). */
function missingScopes(scope: string, dated: boolean): SimResponse {
  return {
    status: 403,
    body: errorBody(
      'MISSING_SCOPES',
      "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
      {
        // The 2026-09 error body names them in `context.missingScopes` (its OpenAPI `Error`).
        ...(dated ? { context: { missingScopes: [scope] } } : {}),
        errors: [
          {
            message: 'One or more of the following scopes are required.',
            context: { requiredGranularScopes: [scope] },
          },
        ],
      },
    ),
  };
}
