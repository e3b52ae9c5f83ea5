import { GATEWAY_ROUTES, connect, type DashboardConfig, type FlowcastClient } from '@flowcast/client';

/** The gateway that served the page, unless a development build points elsewhere. */
const gatewayUrl = (import.meta.env['VITE_GATEWAY_URL'] as string | undefined) ?? location.origin;

/** Reads the gateway's run-time configuration (where the producer is), then connects. */
export async function start(): Promise<{ client: FlowcastClient; config: DashboardConfig }> {
  const response = await fetch(`${gatewayUrl}${GATEWAY_ROUTES.dashboardConfig}`);
  if (!response.ok) throw new Error(`GET ${GATEWAY_ROUTES.dashboardConfig} answered ${response.status}`);
  const config = (await response.json()) as DashboardConfig;
  return { client: connect({ gatewayUrl, producerUrl: config.producerUrl }), config };
}
