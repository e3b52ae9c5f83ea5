import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { order, postJson } from './support/http.js';
import { Pipeline } from './support/pipeline.js';
import { connectClient } from './support/socket.js';
import { waitFor } from './support/wait.js';

describe('clients on every transport the reference promises', () => {
  let pipeline: Pipeline;

  before(async () => {
    pipeline = await Pipeline.start();
  });
  after(() => pipeline?.stop());

  it('a raw WebSocket speaking Engine.IO at /socket.io/?EIO=4&transport=websocket receives events', async () => {
    const url = `${pipeline.gatewayUrl().replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const socket = new WebSocket(url);
    const frames: string[] = [];
    socket.addEventListener('message', (message) => {
      const frame = String(message.data);
      frames.push(frame);
      if (frame === '2') socket.send('3'); // Engine.IO ping → pong
    });
    try {
      await waitFor('the Engine.IO open packet', () => (frames[0]?.startsWith('0{') ? true : undefined));
      socket.send('40'); // Socket.IO CONNECT to the main namespace
      await waitFor('connection-success', () => (frames.some((frame) => frame.startsWith('42["connection-success"')) ? true : undefined));
      const accepted = await postJson(`${pipeline.producerUrl}/producers/send/single`, order());
      const logId = String(accepted.body['logId']);
      const completed = await waitFor('processing-completed', () =>
        frames.find((frame) => frame.startsWith('42["processing-completed"') && frame.includes(logId)),
      );
      const [name, payload] = JSON.parse(completed.slice(2)) as [string, Record<string, unknown>];
      assert.equal(name, 'processing-completed');
      assert.equal(payload['status'], 'PROCESSED');
    } finally {
      socket.close();
    }
  });

  it('a long-polling-only client receives events', async () => {
    const { socket, log } = await connectClient(pipeline.gatewayUrl(), { transports: ['polling'], upgrade: false });
    try {
      assert.equal(socket.io.engine.transport.name, 'polling');
      const accepted = await postJson(`${pipeline.producerUrl}/producers/send/single`, order());
      const logId = String(accepted.body['logId']);
      await log.waitFor('processing-completed over polling', (event) => event.name === 'processing-completed' && event.payload['logId'] === logId);
      assert.deepEqual(log.forLog(logId).map((event) => event.name), ['message-received', 'processing-started', 'processing-completed']);
    } finally {
      socket.close();
    }
  });

  it('answers CORS preflights for any origin by default, as the reference says for development', async () => {
    const response = await fetch(`${pipeline.gatewayUrl()}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin: 'http://example.test' },
    });
    assert.equal(response.headers.get('access-control-allow-origin'), 'http://example.test');
  });
});
