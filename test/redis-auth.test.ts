import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { getJson, order, postJson } from './support/http.js';
import { Pipeline } from './support/pipeline.js';
import { freePort } from './support/ports.js';
import { startService, type ServiceProcess } from './support/services.js';
import { connectClient, type EventLog, type TestSocket } from './support/socket.js';
import { waitFor } from './support/wait.js';

/** A password with the characters a URL would need escaped: REDIS_PASSWORD needs no escaping. */
const PASSWORD = 'p@ss/w:rd?#-0123456789';

/** A redis-server of the test's own with `requirepass`, in the foreground, without persistence. */
async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', PASSWORD, '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  redis.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor('redis-server to accept connections', () => {
    if (redis.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
    return output.includes('Ready to accept connections') ? true : undefined;
  });
  return redis;
}

describe('gateways on a Redis that requires a password (requirepass)', () => {
  let redis: ChildProcess;
  let port: number;
  let pipeline: Pipeline;
  const sockets: Array<{ socket: TestSocket; log: EventLog }> = [];
  const extra: ServiceProcess[] = [];

  before(async () => {
    port = await freePort();
    redis = await startRedis(port);
    pipeline = await Pipeline.start({ gateways: 0 });
    // One gateway with the password apart, one with it in the URL (URL-encoded): both share the
    // streams adapter and the status view on the protected Redis.
    const shared = { REDIS_KEY_PREFIX: `${pipeline.id}:` };
    await pipeline.addGateway({ ...shared, REDIS_URL: `redis://127.0.0.1:${port}/0`, REDIS_PASSWORD: PASSWORD });
    await pipeline.addGateway({ ...shared, REDIS_URL: `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/0` });
    for (let index = 0; index < 2; index += 1) sockets.push(await connectClient(pipeline.gatewayUrl(index)));
  });
  after(async () => {
    for (const { socket } of sockets) socket.close();
    await Promise.all(extra.map((service) => service.stop('SIGKILL')));
    await pipeline?.stop();
    redis?.kill('SIGKILL');
  });

  it('serves clients of both gateways through the protected Redis: each gets every event once, and the status view answers', async () => {
    const accepted = await postJson(`${pipeline.producerUrl}/producers/send/single`, order());
    const logId = String(accepted.body['logId']);
    for (const { log } of sockets) {
      await log.waitFor('processing-completed', (event) => event.name === 'processing-completed' && event.payload['logId'] === logId);
    }
    for (const { log } of sockets) {
      assert.deepEqual(
        log.forLog(logId).map((event) => event.name),
        ['message-received', 'processing-started', 'processing-completed'],
      );
    }
    for (let index = 0; index < 2; index += 1) {
      const status = await waitFor('the status view', async () => {
        const answer = await getJson(`${pipeline.gatewayUrl(index)}/api/logs/${logId}`);
        return answer.body['status'] === 'PROCESSED' ? answer : undefined;
      });
      assert.equal(status.status, 200);
    }
  });

  it('is not ready with a wrong password, and says so without the address', async () => {
    const wrong = await startService('gateway', pipeline.env({ REDIS_URL: `redis://127.0.0.1:${port}/0`, REDIS_PASSWORD: 'not-the-password', INSTANCE_ID: `${pipeline.id}-wrong` }), {
      waitReady: false,
      logName: 'redis-wrong-password',
    });
    extra.push(wrong);
    const ready = await waitFor('readiness to answer', async () => {
      const answer = await getJson(`${wrong.url}/readyz`);
      return (answer.body['checks'] as Record<string, string> | undefined)?.['redis'] === undefined ? undefined : answer;
    });
    assert.equal(ready.status, 503);
    assert.notEqual((ready.body['checks'] as Record<string, string>)['redis'], 'ok');
    assert.doesNotMatch(JSON.stringify(ready.body), new RegExp(`127\\.0\\.0\\.1|${port}|${PASSWORD.slice(0, 4)}`));
    await waitFor('the log to say why', () => (wrong.lines.some((line) => /WRONGPASS|NOAUTH|invalid password/i.test(JSON.stringify(line))) ? true : undefined));
  });
});
