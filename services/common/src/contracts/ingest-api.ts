import { z } from 'zod';

/**
 * When the producer shares the gateway's `SOCKET_AUTH_SECRET`: a Socket.IO token that allows this
 * message's (or this upload's) events and status, and nothing else. Absent otherwise.
 */
const socketToken = z.string().optional();

/** Wire format: `202 Accepted` for `POST /producers/send/single`. */
export const singleAcceptedSchema = z.object({
  logId: z.uuid(),
  dataType: z.literal('SINGLE_MESSAGE'),
  acceptedAt: z.iso.datetime(),
  socketToken,
});
export type SingleAccepted = z.infer<typeof singleAcceptedSchema>;

/** Wire format: `202 Accepted` for `POST /producers/upload/csv`. */
export const csvAcceptedSchema = z.object({
  uploadId: z.uuid(),
  dataType: z.literal('CSV_BATCH'),
  totalRows: z.int().positive(),
  batchCount: z.int().positive(),
  /** One logId per batch, in file order. */
  logIds: z.array(z.uuid()),
  acceptedAt: z.iso.datetime(),
  socketToken,
});
export type CsvAccepted = z.infer<typeof csvAcceptedSchema>;
