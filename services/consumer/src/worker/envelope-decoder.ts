import { FlowcastError, parseIngestEnvelope, type IngestEnvelope } from '@flowcast/common/contracts';
import { decodeJson } from '@flowcast/common/kafka';

export type Decoded =
  | { ok: true; envelope: IngestEnvelope }
  | { ok: false; error: FlowcastError; original: unknown };

/** Parses a `messages` record with the contract's schema; anything else is a poison message. */
export function decodeEnvelope(value: Buffer | undefined): Decoded {
  const json = decodeJson(value);
  if (!json.ok) {
    return {
      ok: false,
      error: new FlowcastError('UNDECODABLE_MESSAGE', `Cannot decode the message: ${json.error}`),
      original: value === undefined ? null : value.toString('utf8'),
    };
  }
  const parsed = parseIngestEnvelope(json.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    return {
      ok: false,
      error: new FlowcastError('UNDECODABLE_MESSAGE', `Not an ingest envelope${where}: ${issue?.message ?? 'invalid'}`),
      original: json.value,
    };
  }
  return { ok: true, envelope: parsed.data };
}
