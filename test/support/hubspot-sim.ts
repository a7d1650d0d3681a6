// A HubSpot simulator on a free port and the official client pointed at it, for the simulator's own tests: they
// call its routes as the product does, through `apiRequest`, and read the answer's status and JSON body.
import { Client } from '@hubspot/api-client';
import { HubspotSimulator, type HubspotSimulatorOptions } from '../../src/simulators/hubspot';

export async function startHubspotSim(
  accessToken: string,
  options: HubspotSimulatorOptions = {},
): Promise<{ sim: HubspotSimulator; client: Client }> {
  const sim = new HubspotSimulator({ accessToken, ...options });
  const url = await sim.listen(0);
  return { sim, client: new Client({ accessToken, basePath: url, numberOfApiCallRetries: 0 }) };
}

/** One request; the body parsed as JSON (`{}` when empty). */
export async function apiCall<T>(
  client: Client,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await client.apiRequest({ method, path, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}
