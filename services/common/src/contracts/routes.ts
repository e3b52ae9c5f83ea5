/**
 * Wire format: the HTTP paths clients call, and the few names they need at run time. Kept free
 * of zod, so that a browser bundle that imports only these does not carry the schemas.
 */

/** HTTP routes of the producer. */
export const INGEST_ROUTES = {
  single: '/producers/send/single',
  csv: '/producers/upload/csv',
} as const;

/** The multipart field that carries the CSV file. */
export const CSV_FILE_FIELD = 'file';

/** HTTP routes of the gateway: `logs` and `uploads` take the id as the next path segment. */
export const GATEWAY_ROUTES = {
  logs: '/api/logs',
  uploads: '/api/uploads',
  stats: '/api/stats',
  dashboardConfig: '/config.json',
} as const;

/** Where a message id goes in a trace UI URL template (`TRACE_UI_URL_TEMPLATE`). */
export const TRACE_URL_LOG_ID = '{logId}';

/** The trace UI link of one message, when a template is configured. */
export function traceUrlOf(template: string | null, logId: string): string | undefined {
  return template === null ? undefined : template.split(TRACE_URL_LOG_ID).join(encodeURIComponent(logId));
}
