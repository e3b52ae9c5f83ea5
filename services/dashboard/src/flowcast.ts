import { GATEWAY_ROUTES, connect, type DashboardConfig, type FlowcastClient } from '@flowcast/client';
import { access } from './store/access.js';

/** The gateway that served the page, unless a development build points elsewhere. */
const gatewayUrl = (import.meta.env['VITE_GATEWAY_URL'] as string | undefined) ?? location.origin;

/** Reads the gateway's run-time configuration (where the producer is), then connects. */
export async function start(): Promise<{ client: FlowcastClient; config: DashboardConfig }> {
  const response = await fetch(`${gatewayUrl}${GATEWAY_ROUTES.dashboardConfig}`);
  if (!response.ok) throw new Error(`GET ${GATEWAY_ROUTES.dashboardConfig} answered ${response.status}`);
  const config = (await response.json()) as DashboardConfig;
  // The token is read at each (re)connection, so that one entered in the access panel is used.
  const client = connect({ gatewayUrl, producerUrl: config.producerUrl, token: () => access.token, ...(access.apiKey === undefined ? {} : { apiKey: access.apiKey }) });
  return { client, config };
}
