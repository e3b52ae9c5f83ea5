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
