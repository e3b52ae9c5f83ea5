import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PrometheusClient, statsQueries } from './prometheus-client.js';

describe('statsQueries', () => {
  it('narrows every selector with the configured labels and the worker group, over the window', () => {
    const queries = statsQueries('namespace="prod"', 'flowcast-workers', 60);
    assert.equal(queries.throughputPerSecond, 'sum(rate(flowcast_consumer_messages_processed_total{namespace="prod"}[60s]))');
    assert.equal(queries.activeConsumers, 'sum(flowcast_kafka_consumer_active{namespace="prod",group="flowcast-workers"})');
    assert.match(queries.p95LatencyMs, /^histogram_quantile\(0\.95, sum by \(le\) \(rate\(flowcast_gateway_end_to_end_latency_seconds_bucket\{namespace="prod"\}\[60s\]\)\)\) \* 1000$/);
  });

  it('leaves the selector empty without labels', () => {
    assert.equal(statsQueries('', 'w', 30).connectedClients, 'sum(flowcast_gateway_connected_clients{})');
  });
});

describe('PrometheusClient', () => {
  let server: Server;
  let answer: { status: number; body: unknown };
  let client: PrometheusClient;

  before(async () => {
    server = createServer((_request, response) => {
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new PrometheusClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 1_000);
  });
  after(() => server.close());

  const vector = (...values: string[]) => ({
    status: 'success',
    data: { resultType: 'vector', result: values.map((value) => ({ metric: {}, value: [1_700_000_000, value] })) },
  });

  it('reads the one sample of an aggregated query', async () => {
    answer = { status: 200, body: vector('42.5') };
    assert.equal(await client.value('sum(x)'), 42.5);
  });

  it('answers null for no sample and for NaN (nothing in the window)', async () => {
    answer = { status: 200, body: vector() };
    assert.equal(await client.value('sum(x)'), null);
    answer = { status: 200, body: vector('NaN') };
    assert.equal(await client.value('histogram_quantile(0.95, x)'), null);
  });

  it('fails on an error answer, naming the query', async () => {
    answer = { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error' } };
    await assert.rejects(client.value('sum(('), /sum\(\(.*bad_data: parse error/);
  });
});
