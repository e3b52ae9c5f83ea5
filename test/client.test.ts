import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { connect, FlowcastHttpError, type FlowcastClient, type UploadProgress } from '@flowcast/client';
import { ROOT } from './support/environment.js';
import { order, ordersCsv } from './support/http.js';
import { Pipeline } from './support/pipeline.js';
import { waitFor } from './support/wait.js';

const run = promisify(execFile);

describe('@flowcast/client against a real pipeline', () => {
  let pipeline: Pipeline;
  let client: FlowcastClient;

  before(async () => {
    pipeline = await Pipeline.start({ env: { CSV_BATCH_SIZE: '50' } });
    client = connect({ gatewayUrl: pipeline.gatewayUrl(), producerUrl: pipeline.producerUrl });
    await waitFor('the client to connect', () => (client.connection.state === 'connected' ? true : undefined));
  });
  after(async () => {
    client?.close();
    await pipeline?.stop();
  });

  it('sends a message and receives its typed events in order, then its status', async () => {
    const seen: Array<{ logId: string; step: string }> = [];
    const stops = [
      client.on('message-received', (event) => seen.push({ logId: event.logId, step: event.data.dataType })),
      client.on('processing-started', (event) => seen.push({ logId: event.logId, step: event.status })),
      client.on('processing-completed', (event) => seen.push({ logId: event.logId, step: event.status })),
    ];
    try {
      const { logId } = await client.sendSingle(order());
      const steps = await waitFor('the three steps', () => {
        const mine = seen.filter((entry) => entry.logId === logId).map((entry) => entry.step);
        return mine.length >= 3 ? mine : undefined;
      });
      assert.deepEqual(steps, ['SINGLE_MESSAGE', 'PROCESSING', 'PROCESSED']);
      const status = await client.logStatus(logId);
      assert.deepEqual(status?.history.map((entry) => entry.type), ['message-received', 'processing-started', 'processing-completed']);
      assert.equal(await client.logStatus('00000000-0000-4000-8000-000000000000'), undefined);
    } finally {
      for (const stop of stops) stop();
    }
  });

  it('uploadCsv yields progress as batches are processed, ending at 100 % and COMPLETED', async () => {
    const upload = client.uploadCsv(ordersCsv(500));
    const seen: UploadProgress[] = [];
    for await (const progress of upload) seen.push(progress);
    const accepted = await upload.accepted;
    const final = await upload.done;
    assert.equal(accepted.batchCount, 10);
    assert.equal(final.status, 'COMPLETED');
    assert.equal(final.progress, 100);
    assert.equal(final.processedRows, 500);
    assert.deepEqual(seen.at(-1), final);
    // Progress never goes backwards.
    for (let index = 1; index < seen.length; index += 1) assert.ok(seen[index]!.progress >= seen[index - 1]!.progress);
  });

  it('uploadCsv reports failed batches with COMPLETED_WITH_FAILURES', async () => {
    const csv = `${ordersCsv(60)}BAD-1,Broken,0,1\n`;
    const final = await client.uploadCsv(csv).done;
    assert.equal(final.status, 'COMPLETED_WITH_FAILURES');
    assert.equal(final.failedBatches, 1);
    assert.equal(final.progress, 100);
  });

  it('uploadCsv rejects with the error body when the producer refuses the file', async () => {
    const upload = client.uploadCsv('orderNumber,productName,quantity,price\nORD-1,Widget,1\n');
    await assert.rejects(upload.accepted, (error: unknown) => {
      assert.ok(error instanceof FlowcastHttpError);
      assert.equal(error.status, 400);
      assert.equal(error.code, 'CSV_RAGGED_ROW');
      assert.equal(error.body?.details?.row, 2);
      return true;
    });
    await assert.rejects(upload.done);
  });

  it('subscribe narrows the connection to one message; follow leaves it receiving everything', async () => {
    const narrow = connect({ gatewayUrl: pipeline.gatewayUrl(), producerUrl: pipeline.producerUrl });
    const followed = client.follow({ logId: '00000000-0000-4000-8000-000000000000' });
    try {
      const mine = await narrow.sendSingle(order({ orderNumber: 'MINE' }));
      assert.deepEqual(await narrow.subscribe({ logId: mine.logId }), [`log:${mine.logId}`]);
      await followed.subscribed;
      const seenByNarrow: string[] = [];
      const seenByClient: string[] = [];
      narrow.on('processing-completed', (event) => seenByNarrow.push(event.logId));
      client.on('processing-completed', (event) => seenByClient.push(event.logId));
      const other = await narrow.sendSingle(order({ orderNumber: 'OTHER' }));
      await waitFor('the other message on the wide connection', () => (seenByClient.includes(other.logId) ? true : undefined));
      assert.equal(seenByNarrow.includes(other.logId), false);
      await assert.rejects(narrow.subscribe({ logId: 'not-a-uuid' }), /Subscribe with/);
    } finally {
      followed.close();
      narrow.close();
    }
  });
});

describe('@flowcast/client as a published package', () => {
  const consumer = `${ROOT}test-results/client-consumer`;

  before(() => {
    rmSync(consumer, { recursive: true, force: true });
    mkdirSync(`${consumer}/node_modules/@flowcast`, { recursive: true });
  });

  it('packs with its types and the contract inside, and type-checks and runs in a project of its own', async () => {
    const { stdout } = await run(process.execPath, [`${ROOT}services/client/pack.mjs`, consumer], { cwd: `${ROOT}services/client` });
    const tarball = stdout.trim();
    await run('tar', ['-xzf', tarball, '-C', `${consumer}/node_modules/@flowcast`]);
    const installed = `${consumer}/node_modules/@flowcast/client`;
    await run('mv', [`${consumer}/node_modules/@flowcast/package`, installed]);

    const manifest = JSON.parse(readFileSync(`${installed}/package.json`, 'utf8')) as Record<string, Record<string, string>>;
    assert.deepEqual(Object.keys(manifest['dependencies']!).sort(), ['socket.io-client', 'zod']);
    assert.equal(manifest['exports']!['.'] !== undefined, true);
    for (const file of files(`${installed}/dist`)) {
      assert.doesNotMatch(readFileSync(file, 'utf8'), /@flowcast\/common/, `${file} refers to the private @flowcast/common`);
    }

    writeFileSync(`${consumer}/package.json`, JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(
      `${consumer}/tsconfig.json`,
      JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], noEmit: true, types: [] }, files: ['app.ts'] }),
    );
    writeFileSync(
      `${consumer}/app.ts`,
      `import { connect, INGEST_ROUTES, type ProcessingFailedPayload } from '@flowcast/client';
const client = connect({ gatewayUrl: 'http://127.0.0.1:9', socket: { autoConnect: false } });
client.on('processing-failed', (event: ProcessingFailedPayload) => event.error.toUpperCase());
// @ts-expect-error: the payload of processing-completed has no error field
client.on('processing-completed', (event) => event.error);
// @ts-expect-error: no such event in the contract
client.on('processing-exploded', () => undefined);
export const route: '/producers/upload/csv' = INGEST_ROUTES.csv;
`,
    );
    // The project's own TypeScript 7; @ts-expect-error fails the check if the types were any.
    await run(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', consumer]);
    const { stdout: printed } = await run(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('@flowcast/client'); console.log(typeof m.connect, m.INGEST_ROUTES.single)"],
      { cwd: consumer },
    );
    assert.equal(printed.trim(), 'function /producers/send/single');
  });
});

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}
