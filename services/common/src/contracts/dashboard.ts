import { z } from 'zod';

/**
 * Wire format of the gateway's `GET /config.json`: what the dashboard (or any browser client
 * served by the gateway) needs to know at run time and cannot learn from its own origin.
 */
export const dashboardConfigSchema = z.object({
  /** Where browsers reach the producer's HTTP API (another origin than the gateway's). */
  producerUrl: z.url(),
  /** A trace UI link with `{logId}` in it, or null when no trace UI is configured. */
  traceUrlTemplate: z.string().nullable(),
  /** Whether Socket.IO connections and the status endpoints need a token (`SOCKET_AUTH_SECRET`). */
  socketAuth: z.boolean(),
  /** The gateway replica that served this page. */
  instanceId: z.string(),
});
export type DashboardConfig = z.infer<typeof dashboardConfigSchema>;
