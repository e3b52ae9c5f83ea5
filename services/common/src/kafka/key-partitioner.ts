import type { MessageToProduce } from '@platformatic/kafka';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Kafka's murmur2 of `data` (`Utils.murmur2` in the Java client), as a signed 32-bit integer,
 * in 32-bit arithmetic (`Math.imul`).
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const whole = length & ~3;
  let h = SEED ^ length;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[whole + 2]! << 16;
    if (rest >= 2) h ^= data[whole + 1]! << 8;
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * Where a keyed record goes: the partition the client's default partitioner picks (`murmur2` of
 * the key's bytes, unsigned, modulo the partitions, which the client applies), so every key
 * keeps its partition. The client (`@platformatic/kafka` 2.12) computes the same hash with
 * BigInts that grow with the key: 13 % of a worker's CPU, which writes four keyed records per
 * message (docs/performance.md, change 27). Flowcast writes keyed records only; a record
 * without a key would go to partition 0, as the default partitioner's hash of nothing.
 */
export function keyPartitioner(_message: MessageToProduce<string, Buffer, string, string>, key: Buffer | undefined): number {
  return key === undefined ? 0 : murmur2(key) >>> 0;
}
