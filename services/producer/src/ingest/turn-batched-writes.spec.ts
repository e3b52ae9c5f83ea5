import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { OutgoingRecord } from '@flowcast/common/kafka';
import { TurnBatchedWrites } from './turn-batched-writes.js';

const record = (key: string): OutgoingRecord => ({ topic: 'messages', key, value: { key } });

/** A writer whose requests stay in flight until the test answers them. */
function heldWriter() {
  const requests: Array<{ keys: string[]; answer: (error?: Error) => void }> = [];
  const write = (records: readonly OutgoingRecord[]) =>
    new Promise<void>((resolve, reject) => {
      requests.push({ keys: records.map(({ key }) => key), answer: (error) => (error === undefined ? resolve() : reject(error)) });
    });
  return { requests, write };
}

describe('TurnBatchedWrites', () => {
  it('sends the records of one turn in one request, and each turn its own', async () => {
    const { requests, write } = heldWriter();
    const writes = new TurnBatchedWrites(write);
    const first = [writes.send(record('a')), writes.send(record('b')), writes.send(record('c'))];
    await nextTurn();
    const second = writes.send(record('d'));
    await nextTurn();
    assert.deepEqual(requests.map(({ keys }) => keys), [['a', 'b', 'c'], ['d']]);

    requests[1]!.answer();
    await second;
    requests[0]!.answer();
    await Promise.all(first);
  });

  it('does not hold a record back behind a request in flight', async () => {
    const { requests, write } = heldWriter();
    const writes = new TurnBatchedWrites(write);
    void writes.send(record('a'));
    await nextTurn();
    const late = writes.send(record('b'));
    await nextTurn();
    assert.equal(requests.length, 2, 'the second record left while the first request was unanswered');
    requests[1]!.answer();
    await late;
    requests[0]!.answer();
  });

  it('fails every record of a failed request, and only those', async () => {
    const { requests, write } = heldWriter();
    const writes = new TurnBatchedWrites(write);
    const failed = [writes.send(record('a')), writes.send(record('b'))];
    await nextTurn();
    const fine = writes.send(record('c'));
    await nextTurn();
    const outage = new Error('broker gone');
    requests[0]!.answer(outage);
    requests[1]!.answer();
    for (const outcome of await Promise.allSettled(failed)) assert.deepEqual(outcome, { status: 'rejected', reason: outage });
    await fine;
  });
});
