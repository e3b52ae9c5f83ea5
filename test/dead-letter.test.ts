import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { produceRaw, readTopic } from './support/kafka.js';
import { Pipeline } from './support/pipeline.js';

describe('poison messages', () => {
  let pipeline: Pipeline;

  before(async () => {
    pipeline = await Pipeline.start({ producer: false, gateways: 0 });
  });
  after(() => pipeline?.stop());

  it('land on messages.dlq with the reason and where they came from, and the worker goes on', async () => {
    await produceRaw(pipeline.topics.messages, 'poison-1', '{"this is": not json');
    await produceRaw(pipeline.topics.messages, 'poison-2', JSON.stringify({ logId: 'nope', dataType: 'PDF' }));
    const dead = await readTopic(pipeline.topics.deadLetter, { expected: 2 });
    const byKey = new Map(dead.map((record) => [record.key, JSON.parse(record.value) as Record<string, any>]));
    assert.equal(byKey.get('poison-1')?.['error']['code'], 'UNDECODABLE_MESSAGE');
    assert.match(byKey.get('poison-1')?.['error']['message'], /not JSON/);
    assert.equal(byKey.get('poison-1')?.['original'], '{"this is": not json');
    assert.equal(byKey.get('poison-1')?.['source']['topic'], pipeline.topics.messages);
    assert.match(byKey.get('poison-2')?.['error']['message'], /Not an ingest envelope/);
    assert.deepEqual(byKey.get('poison-2')?.['original'], { logId: 'nope', dataType: 'PDF' });
  });
});
