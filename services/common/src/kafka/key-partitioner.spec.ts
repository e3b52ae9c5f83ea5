import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { defaultPartitioner, murmur2 as clientMurmur2 } from '@platformatic/kafka';
import { keyPartitioner, murmur2 } from './key-partitioner.js';

describe('keyPartitioner', () => {
  it("hashes as the Java client's Utils.murmur2 (Kafka's own test vectors)", () => {
    const vectors: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of vectors) assert.equal(murmur2(Buffer.from(key)), hash, key);
  });

  it("puts every key where the client's default partitioner does: Flowcast's keys, and bytes of every length", () => {
    const keys = [
      Buffer.alloc(0),
      ...Array.from({ length: 200 }, () => Buffer.from(randomUUID())),
      ...Array.from({ length: 200 }, (_, index) => Buffer.from(`${randomUUID()}:${index + 1}`)),
      ...Array.from({ length: 200 }, (_, index) => randomBytes(index % 67)),
    ];
    for (const key of keys) {
      assert.equal(murmur2(key), clientMurmur2(key), key.toString('hex'));
      assert.equal(keyPartitioner({ topic: 't' }, key), defaultPartitioner({ topic: 't' }, key), key.toString('hex'));
    }
  });
});
