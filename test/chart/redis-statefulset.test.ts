import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { freePort } from '../support/ports.js';
import { waitFor } from '../support/wait.js';
import { one, render } from './helm.js';

/**
 * The chart's Redis container command and configuration, run with the system's redis-server
 * (the one `make test` uses): the password reaches Redis on standard input, never in its
 * arguments, and the configuration file is one Redis accepts.
 */
describe("the chart's Redis, run for real", () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowcast-redis-'));
  let server: ChildProcess | undefined;
  after(() => {
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts with the rendered command and configuration, and requires the password', async () => {
    const objects = render();
    const config = one(objects, 'ConfigMap', 'flowcast-redis').data!['redis.conf']!;
    const statefulSet = one(objects, 'StatefulSet', 'flowcast-redis').spec as {
      template: { spec: { containers: Array<{ command: string[]; volumeMounts: Array<{ name: string; mountPath: string }> }> } };
    };
    const [shell, flag, script] = statefulSet.template.spec.containers[0]!.command;
    assert.deepEqual([shell, flag], ['sh', '-c']);
    const port = await freePort();
    writeFileSync(join(dir, 'redis.conf'), config.replace(/^port 6379$/m, `port ${port}`).replace(/^dir \/data$/m, `dir ${dir}`).replace(/^bind .*$/m, 'bind 127.0.0.1'));
    const password = 'k8sChartTestPassw0rd';
    server = spawn('sh', ['-c', script!.replaceAll('/etc/redis/redis.conf', join(dir, 'redis.conf'))], {
      env: { PATH: process.env['PATH'] ?? '', REDIS_PASSWORD: password },
      stdio: 'ignore',
    });
    const authorized = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, maxRetriesPerRequest: 0 });
    authorized.on('error', () => undefined); // refused until Redis listens: waitFor retries
    try {
      assert.equal(await waitFor('redis to answer', () => authorized.ping().catch(() => undefined), { timeoutMs: 10_000 }), 'PONG');
      assert.equal(await authorized.config('GET', 'maxmemory-policy').then((pair) => (pair as string[])[1]), 'volatile-ttl');
      assert.ok(server.pid !== undefined);
      const anonymous = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
      anonymous.on('error', () => undefined);
      await assert.rejects(anonymous.ping(), /NOAUTH/);
      anonymous.disconnect();
      // `exec` in the script: redis-server itself is the container's process, and its
      // arguments hold no password.
      const args = execFileSync('ps', ['-o', 'args=', '-p', String(server.pid)], { encoding: 'utf8' });
      assert.match(args, /redis-server/);
      assert.doesNotMatch(args, new RegExp(password));
    } finally {
      authorized.disconnect();
    }
  });
});
