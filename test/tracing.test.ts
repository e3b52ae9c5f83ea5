import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { order, ordersCsv, postCsv, postJson } from './support/http.js';
import { OtlpReceiver, type ReceivedSpan } from './support/otlp.js';
import { Pipeline } from './support/pipeline.js';
import { waitFor } from './support/wait.js';

const SERVER = 2;
const PRODUCER = 4;

/**
 * The trace of `logId` once its last step (the gateway's broadcast of `final`) and every span's
 * parent have arrived. Each service exports on its own schedule, so a parent that ends after its
 * children (the consumer's `process` span, ended once its batch's transaction has committed) can
 * arrive after the last broadcast. Until the trace is whole the check throws and is tried again;
 * a trace that never connects fails with its message.
 */
async function traceOf(receiver: OtlpReceiver, logId: string, final: string): Promise<ReceivedSpan[]> {
  return waitFor(`the whole trace of ${logId}`, () => {
    const traces = receiver.tracesWith('flowcast.log_id', logId);
    const spans = [...traces.values()].flat();
    if (!spans.some((span) => span.service === 'flowcast-gateway' && span.name === `broadcast ${final}`)) return undefined;
    assertOneConnectedTrace(spans);
    return spans;
  });
}

/** Every span but the root has its parent in the trace; returns the root. */
function assertOneConnectedTrace(spans: readonly ReceivedSpan[]): ReceivedSpan {
  assert.equal(new Set(spans.map((span) => span.traceId)).size, 1, 'one trace');
  const ids = new Set(spans.map((span) => span.spanId));
  const roots = spans.filter((span) => span.parentSpanId === '');
  assert.equal(roots.length, 1, `one root, got ${roots.map((span) => span.name).join(', ')}`);
  for (const span of spans) {
    if (span !== roots[0]) assert.ok(ids.has(span.parentSpanId), `the parent of ${span.service} "${span.name}" is in the trace`);
  }
  return roots[0]!;
}

/** Span names from `span` up to the root, root first. */
function pathOf(spans: readonly ReceivedSpan[], span: ReceivedSpan): string[] {
  const byId = new Map(spans.map((candidate) => [candidate.spanId, candidate]));
  const path: string[] = [];
  for (let current: ReceivedSpan | undefined = span; current !== undefined; current = byId.get(current.parentSpanId)) {
    path.unshift(`${current.service}: ${current.name}`);
  }
  return path;
}

describe('traces: one per message, from the HTTP request through Kafka to the broadcast', () => {
  let receiver: OtlpReceiver;
  let pipeline: Pipeline;

  before(async () => {
    receiver = await OtlpReceiver.start();
    pipeline = await Pipeline.start({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        CSV_BATCH_SIZE: '2',
      },
    });
  });
  after(async () => {
    await pipeline?.stop();
    await receiver?.stop();
  });

  it('a single message is one trace: HTTP request, Kafka write, processing, event writes and broadcasts, each span with its logId', async () => {
    const accepted = await postJson(`${pipeline.producerUrl}/producers/send/single`, order());
    const logId = String(accepted.body['logId']);
    const spans = await traceOf(receiver, logId, 'processing-completed');

    const root = assertOneConnectedTrace(spans);
    assert.equal(root.service, 'flowcast-producer');
    assert.equal(root.kind, SERVER);
    assert.equal(root.name, 'POST /producers/send/single');
    assert.deepEqual(new Set(spans.map((span) => span.service)), new Set(['flowcast-producer', 'flowcast-consumer', 'flowcast-gateway']));
    for (const span of spans) assert.equal(span.attributes['flowcast.log_id'], logId, `${span.service} "${span.name}" carries the logId`);

    const completed = spans.find((span) => span.name === 'broadcast processing-completed')!;
    assert.deepEqual(pathOf(spans, completed), [
      'flowcast-producer: POST /producers/send/single',
      `flowcast-producer: publish ${pipeline.topics.messages}`,
      `flowcast-consumer: process ${pipeline.topics.messages}`,
      `flowcast-consumer: publish ${pipeline.topics.messageEvents}`,
      'flowcast-gateway: broadcast processing-completed',
    ]);
    assert.deepEqual(
      spans.filter((span) => span.service === 'flowcast-gateway').map((span) => span.name).sort(),
      ['broadcast message-received', 'broadcast processing-completed', 'broadcast processing-started'],
    );
    assert.ok(spans.some((span) => span.name === 'process SINGLE_MESSAGE'), 'the processor has its span');
  });

  it('each CSV batch is a trace of its own, linked to the upload request, every span with its logId and uploadId', async () => {
    const accepted = await postCsv(`${pipeline.producerUrl}/producers/upload/csv`, ordersCsv(3));
    assert.equal(accepted.status, 202);
    const uploadId = String(accepted.body['uploadId']);
    const logIds = accepted.body['logIds'] as string[];
    assert.equal(logIds.length, 2);

    const traceIds = new Set<string>();
    for (const logId of logIds) {
      const spans = await traceOf(receiver, logId, 'processing-completed');
      const root = assertOneConnectedTrace(spans);
      traceIds.add(root.traceId);
      assert.deepEqual(new Set(spans.map((span) => span.service)), new Set(['flowcast-producer', 'flowcast-consumer', 'flowcast-gateway']));
      for (const span of spans) {
        assert.equal(span.attributes['flowcast.log_id'], logId, `${span.service} "${span.name}" carries the logId`);
        assert.equal(span.attributes['flowcast.upload_id'], uploadId, `${span.service} "${span.name}" carries the uploadId`);
      }
      assert.equal(root.name, `publish ${pipeline.topics.messages}`);
      assert.equal(root.kind, PRODUCER);
      const [link] = root.links;
      const request = receiver.spans.find((span) => span.spanId === link?.spanId);
      assert.equal(request?.name, 'POST /producers/upload/csv', 'the batch links to the upload request');
      assert.equal(request?.attributes['flowcast.upload_id'], uploadId);
    }
    assert.equal(traceIds.size, 2, 'one trace per batch');
  });

  it('log lines about a message carry its trace_id and logId', async () => {
    const accepted = await postJson(`${pipeline.producerUrl}/producers/send/single`, order({ quantity: 0 }));
    const logId = String(accepted.body['logId']);
    const spans = await traceOf(receiver, logId, 'processing-failed');
    const line = await waitFor('the consumer to log the failure', () =>
      pipeline.consumers[0]!.lines.find((entry) => entry['logId'] === logId && entry['code'] === 'INVALID_RECORD'),
    );
    assert.equal(line['trace_id'], spans[0]!.traceId);
  });
});
