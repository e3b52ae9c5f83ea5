import assert from 'node:assert/strict';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { OutgoingRecord } from '@flowcast/common/kafka';
import { CoalescedWrites } from './coalesced-writes.js';

const record = (key: string): OutgoingRecord => ({ topic: 'messages', key, value: { key } });

/** A writer whose requests stay in flight until the test answers them. */
function heldWriter() {
  const requests: Array<{ keys: string[]; answer: (error?: Error) => void }> = [];
  const write = (records: readonly OutgoingRecord[]) =>
    new Promise<void>((resolve, reject) => {
      requests.push({ keys: records.map(({ key }) => key), answer: (error) => (error === undefined ? resolve() : reject(error)) });
    });
  const keys = () => requests.map((request) => request.keys);
  return { requests, write, keys };
}

describe('CoalescedWrites', () => {
  it('sends the records of one turn in one request, at the end of the turn', async () => {
    const { requests, write, keys } = heldWriter();
    const writes = new CoalescedWrites(write, 1_000);
    const sent = [writes.send(record('a')), writes.send(record('b')), writes.send(record('c'))];
    assert.deepEqual(keys(), [], 'nothing leaves before the turn ends');
    await nextTurn();
    assert.deepEqual(keys(), [['a', 'b', 'c']]);
    requests[0]!.answer();
    await Promise.all(sent);
  });

  it('holds what comes while a request is in flight, and sends it all in one request once that is answered', async () => {
    const { requests, write, keys } = heldWriter();
    const writes = new CoalescedWrites(write, 1_000);
    const first = writes.send(record('a'));
    await nextTurn();
    const later = [writes.send(record('b'))];
    await nextTurn();
    later.push(writes.send(record('c')));
    await nextTurn();
    assert.deepEqual(keys(), [['a']], 'b and c wait for the answer to a');
    requests[0]!.answer();
    await first;
    assert.deepEqual(keys(), [['a'], ['b', 'c']]);
    requests[1]!.answer();
    await Promise.all(later);
  });

  it('never holds a record longer than the linger behind a request that is not answered', async () => {
    const { requests, write, keys } = heldWriter();
    // Long enough that a busy machine does not pass it between two turns.
    const lingerMs = 500;
    const writes = new CoalescedWrites(write, lingerMs);
    void writes.send(record('a'));
    await nextTurn();
    const late = writes.send(record('b'));
    await nextTurn();
    assert.deepEqual(keys(), [['a']]);
    // Timers fire in the order they fall due: the linger's before this one.
    await sleep(lingerMs + 50);
    assert.deepEqual(keys(), [['a'], ['b']], 'b left while a was still unanswered');
    requests[1]!.answer();
    await late;
    requests[0]!.answer();
  });

  it('with no linger, does not wait for a request in flight', async () => {
    const { requests, write, keys } = heldWriter();
    const writes = new CoalescedWrites(write, 0);
    void writes.send(record('a'));
    await nextTurn();
    const late = writes.send(record('b'));
    await nextTurn();
    assert.deepEqual(keys(), [['a'], ['b']]);
    requests[1]!.answer();
    await late;
    requests[0]!.answer();
  });

  it('fails every record of a failed request, and only those', async () => {
    const { requests, write } = heldWriter();
    const writes = new CoalescedWrites(write, 0);
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
