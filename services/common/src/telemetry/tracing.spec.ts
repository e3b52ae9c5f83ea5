import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { contextFromHeaders, endSpan, logCorrelation, messageOf, runInContext, startInternalSpan, startMessageSpan, traceHeaders } from './tracing.js';

describe('tracing switched off (no SDK started)', () => {
  before(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  after(() => context.disable());

  it('spans are not recorded, and log lines inside still carry the logId', () => {
    const ids = { logId: '550e8400-e29b-41d4-a716-446655440000', uploadId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' };
    const process = startMessageSpan({ operation: 'process', topic: 'messages', ids, parent: contextFromHeaders(new Map([['traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']])) });
    const work = startInternalSpan('process SINGLE_MESSAGE', process.context);
    assert.equal(process.span.isRecording(), false);
    assert.equal(work.span.isRecording(), false);
    assert.deepEqual(runInContext(work.context, () => logCorrelation()), { logId: ids.logId, uploadId: ids.uploadId });
    assert.deepEqual(traceHeaders(work.context), {});
    endSpan(process.span, new Error('ignored'));
  });
});

describe('trace context through Kafka headers', () => {
  const exporter = new InMemorySpanExporter();
  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  after(() => {
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('a consumer span is the child of the producer span whose context the headers carry', () => {
    const ids = { logId: '550e8400-e29b-41d4-a716-446655440000', uploadId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' };
    const publish = startMessageSpan({ operation: 'publish', topic: 'messages', ids, root: true });
    const headers = new Map(Object.entries(traceHeaders(publish.context)));
    assert.match(headers.get('traceparent') ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const process = startMessageSpan({ operation: 'process', topic: 'messages', ids, parent: contextFromHeaders(headers) });
    endSpan(process.span);
    endSpan(publish.span, new Error('late'));
    const [consumer, producer] = exporter.getFinishedSpans();
    assert.equal(consumer!.spanContext().traceId, producer!.spanContext().traceId);
    assert.equal(consumer!.parentSpanContext?.spanId, producer!.spanContext().spanId);
    assert.equal(consumer!.attributes['flowcast.log_id'], ids.logId);
    assert.equal(consumer!.attributes['flowcast.upload_id'], ids.uploadId);
    assert.equal(producer!.status.message, 'late');
  });

  it('log lines written inside a message span carry its trace, span and logId', () => {
    const ids = { logId: '550e8400-e29b-41d4-a716-446655440000' };
    const span = startMessageSpan({ operation: 'process', topic: 'messages', ids, root: true });
    const fields = runInContext(span.context, () => logCorrelation());
    assert.deepEqual(fields, { trace_id: span.span.spanContext().traceId, span_id: span.span.spanContext().spanId, logId: ids.logId });
    assert.deepEqual(logCorrelation(), {});
    endSpan(span.span);
  });

  it("a span's context keeps the message's ids, not the envelope they were taken from", () => {
    const envelope = { logId: '550e8400-e29b-41d4-a716-446655440000', uploadId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8', records: [{ a: '1' }] };
    const span = startMessageSpan({ operation: 'publish', topic: 'messages', ids: envelope, root: true });
    assert.deepEqual(messageOf(span.context), { logId: envelope.logId, uploadId: envelope.uploadId });
    endSpan(span.span);
  });

  it('no headers means a new trace', () => {
    assert.equal(trace.getSpan(contextFromHeaders(new Map())), undefined);
  });
});
