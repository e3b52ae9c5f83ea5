import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../support/environment.js';
import { Pipeline } from '../support/pipeline.js';

/** Runs the chart's `helm test` script (charts/flowcast/files/smoke-test.mjs) as its pod would. */
function runScript(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'charts/flowcast/files/smoke-test.mjs')], { env: { PATH: process.env['PATH'] ?? '', ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe("the chart's helm test script, against the real services", () => {
  let pipeline: Pipeline;
  before(async () => {
    pipeline = await Pipeline.start();
  });
  after(() => pipeline?.stop());

  it('sends one order and passes on its processing-completed, received over Socket.IO', async () => {
    const { code, output } = await runScript({ PRODUCER_URL: pipeline.producerUrl, GATEWAY_URL: pipeline.gatewayUrl(), TIMEOUT_MS: '30000' });
    assert.equal(code, 0, output);
    assert.match(output, /connected to http:\/\/127\.0\.0\.1:\d+/);
    assert.match(output, /passed: message-received → processing-started → processing-completed, by consumer /);
  });

  it('fails, saying why, when the producer is not there', async () => {
    const { code, output } = await runScript({ PRODUCER_URL: 'http://127.0.0.1:9', GATEWAY_URL: pipeline.gatewayUrl(), TIMEOUT_MS: '10000' });
    assert.equal(code, 1);
    assert.match(output, /FAILED: cannot reach the producer at http:\/\/127\.0\.0\.1:9/);
  });
});

describe("the chart's helm test script, against services with API keys and Socket.IO tokens (the chart's defaults)", () => {
  const key = 'helm-test-key-0123456789';
  const secret = 'helm-test-socket-secret-0123456789abcdef';
  let pipeline: Pipeline;
  before(async () => {
    pipeline = await Pipeline.start({ env: { API_KEYS: `${key},another-key-0123456789`, SOCKET_AUTH_SECRET: secret } });
  });
  after(() => pipeline?.stop());

  const run = (env: Record<string, string>) =>
    runScript({ PRODUCER_URL: pipeline.producerUrl, GATEWAY_URL: pipeline.gatewayUrl(), TIMEOUT_MS: '30000', ...env });

  it('passes with the credentials the chart gives its pod: the first key, and a token it signs', async () => {
    const { code, output } = await run({ FLOWCAST_API_KEYS: `${key},another-key-0123456789`, FLOWCAST_SOCKET_AUTH_SECRET: secret });
    assert.equal(code, 0, output);
    assert.match(output, /passed: message-received → processing-started → processing-completed/);
  });

  it('fails, saying why, when the gateway refuses its token', async () => {
    const { code, output } = await run({ FLOWCAST_API_KEYS: key, FLOWCAST_SOCKET_AUTH_SECRET: 'not-the-secret-0123456789abcdef-0123' });
    assert.equal(code, 1);
    assert.match(output, /FAILED: the gateway refused the connection: The token is not valid: signature verification failed/);
  });

  it('fails, saying why, when the producer refuses its key', async () => {
    const { code, output } = await run({ FLOWCAST_API_KEYS: 'not-a-key-0123456789', FLOWCAST_SOCKET_AUTH_SECRET: secret });
    assert.equal(code, 1);
    assert.match(output, /FAILED: the producer answered 401: .*UNAUTHORIZED/);
  });
});
