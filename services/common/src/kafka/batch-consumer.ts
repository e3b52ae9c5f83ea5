import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Consumer,
  FetchIsolationLevels,
  stringDeserializer,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import type { KafkaConfig } from '../config/shared-environment.js';
import type { Logger } from '../nest/logging.js';
import { baseClientOptions } from './client-options.js';
import { GroupCoordinator, memberEpochOf, watchMemberEpochs } from './group-coordinator.js';
import type { KafkaMetrics } from './kafka-metrics.js';

/** A consumed record: text key and headers, raw value (decoded by the handler, which may refuse it). */
export type ConsumedMessage = Message<string, Buffer, string, string>;
type ConsumedStream = MessagesStream<string, Buffer, string, string>;

export interface BatchConsumerOptions {
  kafka: KafkaConfig;
  groupId: string;
  topic: string;
  /** Names the client in broker logs. */
  role: string;
  /** Most records handed to the handler at once. */
  maxBatch: number;
  /** Records fetched ahead of the handler. */
  prefetch: number;
  /** Longest a fetch waits when there is nothing new. */
  fetchMaxWaitMs: number;
  /** Where a group without committed offsets starts. */
  startFrom: 'earliest' | 'latest';
  logger: Logger;
  /** Reports membership and lag (`flowcast_kafka_consumer_*`), the lag every `lagIntervalMs`. */
  metrics?: KafkaMetrics;
  lagIntervalMs?: number;
  /**
   * Who commits a handled batch's offsets. `consumer` (the default): this consumer, once the
   * handler resolved (at-least-once). `transaction`: the handler, in the Kafka transaction that
   * writes the batch's outputs (`JsonTransaction.commitOffsets`), so that outputs and offsets
   * are committed together or not at all; the handler is then given only records of partitions
   * this member still owns, above the offsets a previous owner's transactions committed.
   */
  offsets?: 'consumer' | 'transaction';
  /**
   * Least time between two offset commits of this consumer (`offsets: 'consumer'`): batches
   * handled meanwhile are committed together, in one request once it has passed; a commit
   * after a quiet spell leaves at once, and stopping flushes without waiting. Default 0: after
   * every batch. For a handler whose redelivered records are cheap to drop (each commit is a
   * write to the broker's offsets log; a busy consumer handles hundreds of batches a second).
   */
  commitIntervalMs?: number;
}

/** Where a batch leaves one partition: the next offset to read. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch: number;
}

/** The group member as its coordinator knows it: what fences a transactional commit (KIP-447). */
export interface GroupMemberIdentity {
  groupId: string;
  memberId: string;
  /** The member epoch (KIP-848 groups) or the generation (classic groups). */
  generationId: number;
  coordinatorId: number;
}

/** The offsets a batch moves its partitions to, and who may commit them. */
export interface BatchOffsets {
  readonly groupId: string;
  readonly offsets: readonly PartitionOffset[];
  /** The member now; throws when a partition of the batch has been revoked meanwhile. */
  member(): GroupMemberIdentity;
}

/**
 * Handles a batch; throwing means "not handled": the batch is offered again after a delay
 * (without the records of partitions revoked meanwhile, when the handler commits the offsets).
 * `after` resolves once the batch before this one is handled: a handler that commits offsets waits for it first, and gives up when it
 * rejects (stopping with the previous batch not handled: both are offered again).
 */
export type BatchHandlerFunction = (messages: readonly ConsumedMessage[], offsets: BatchOffsets, after: Promise<void>) => Promise<void>;

/** A partition of the batch was revoked before its offsets were committed: the batch is retried without it. */
export class PartitionsRevokedError extends Error {
  constructor(readonly partitions: readonly number[]) {
    super(`partitions ${partitions.join(', ')} were revoked before the batch was committed`);
  }
}

/** The batch before was not handled (the consumer stops): neither is the one that waited for it. */
export class PreviousBatchNotHandledError extends Error {
  constructor() {
    super('the previous batch was not handled');
  }
}

const RESTART_DELAY_MS = 2_000;
const DEFAULT_LAG_INTERVAL_MS = 5_000;
const HANDLER_RETRY_DELAY_MS = 1_000;
/** How often a wait for stable offsets is reported: far longer than any transaction should stay open. */
const UNSTABLE_OFFSETS_REPORT_MS = 60_000;

/**
 * A consumer-group member that hands what has been fetched, up to a batch, to a handler, and
 * commits each partition's offset only once the handler resolved (or lets the handler commit
 * it in its transaction): a batch the handler could not finish (its own writes failing) is
 * retried, never skipped. It reads committed records only (uploads are transactions), rejoins
 * after failures, and on `stop` finishes the batch in hand, flushes commits and leaves the group.
 *
 * When nothing fetched is left unhandled, a partition's offset is its fetch position rather
 * than the offset after its last record: past the marker that ends a producer's transaction,
 * so that lag measured from committed offsets (KEDA, exporters) comes back to 0.
 */
export class BatchConsumer {
  readonly #shutdown = new AbortController();
  readonly #transactional: boolean;
  readonly #coordinator: GroupCoordinator;
  #consuming = false;
  #running: Promise<void> | undefined;
  /** Batches in the handler's hands (one at most). */
  #inHand = 0;
  /** Per partition, the offset after the last record handled, since this member joined. */
  readonly #handled = new Map<number, bigint>();
  readonly #lagReported = new Set<number>();
  /** Per partition, the offset this member last committed, and under which assignment. */
  readonly #committed = new Map<number, { offset: bigint; under: unknown }>();
  /** Commits waiting for the one in flight, merged per partition. */
  readonly #toCommit = new Map<number, PartitionOffset>();
  #committing: Promise<void> | undefined;
  /** When this consumer's last offset commit left (performance.now()). */
  #lastCommitAt = Number.NEGATIVE_INFINITY;
  /** Per partition, the lowest offset not handled yet by this member (see #unhandled). */
  readonly #floor = new Map<number, bigint>();
  /** Per partition, the assignment under which its committed offset was last read. */
  readonly #verified = new Map<number, unknown>();
  /** Per partition, the first record dropped unhandled: nothing after it is handled before it. */
  readonly #blocked = new Map<number, bigint>();

  constructor(
    private readonly options: BatchConsumerOptions,
    private readonly handle: BatchHandlerFunction,
  ) {
    this.#transactional = options.offsets === 'transaction';
    if (this.#transactional) watchMemberEpochs();
    this.#coordinator = new GroupCoordinator(options.kafka, `${options.role}-offsets`);
  }

  /** True while a member of the group, between joins and failures. */
  get consuming(): boolean {
    return this.#consuming;
  }

  #setConsuming(consuming: boolean): void {
    this.#consuming = consuming;
    this.options.metrics?.active.set({ group: this.options.groupId, topic: this.options.topic }, consuming ? 1 : 0);
  }

  /** Starts consuming once `ready` resolves (e.g. the topics exist). */
  start(ready: Promise<void> = Promise.resolve()): void {
    this.#running ??= this.#supervise(ready);
  }

  async stop(): Promise<void> {
    this.#shutdown.abort();
    await this.#running;
    await this.#coordinator.close().catch(() => undefined);
  }

  get #stopping(): boolean {
    return this.#shutdown.signal.aborted;
  }

  async #supervise(ready: Promise<void>): Promise<void> {
    await Promise.race([ready, once(this.#shutdown.signal, 'abort')]);
    while (!this.#stopping) {
      try {
        await this.#consume();
      } catch (error) {
        this.#setConsuming(false);
        if (this.#stopping) break;
        this.options.logger.error({ err: error, retryInMs: RESTART_DELAY_MS }, 'consumer failed; rejoining');
        await this.#pause(RESTART_DELAY_MS);
      }
    }
    this.#setConsuming(false);
  }

  async #consume(): Promise<void> {
    const { kafka, groupId, topic, logger } = this.options;
    const consumer = new Consumer<string, Buffer, string, string>({
      ...baseClientOptions(kafka, this.options.role),
      groupId,
      ...(kafka.groupProtocol === 'consumer' ? { groupProtocol: 'consumer' as const } : {}),
      deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      maxWaitTime: this.options.fetchMaxWaitMs,
      highWaterMark: this.options.prefetch,
    });
    let stream: ConsumedStream | undefined;
    let failure: unknown;
    let lagTimer: NodeJS.Timeout | undefined;
    const failed = new AbortController();
    try {
      stream = await consumer.consume({
        topics: [topic],
        mode: 'committed',
        fallbackMode: this.options.startFrom,
        autocommit: false,
      });
      stream.on('error', (error) => {
        failure ??= error;
        failed.abort();
      });
      // The 'readable' listener stays for the stream's life: without one (and without a
      // 'data' listener) the stream counts as unconsumed and stops fetching.
      let signalReadable: (() => void) | undefined;
      stream.on('readable', () => signalReadable?.());
      const wakeUp = AbortSignal.any([this.#shutdown.signal, failed.signal]);
      wakeUp.addEventListener('abort', () => signalReadable?.(), { once: true });
      this.#setConsuming(true);
      const sampled = stream;
      lagTimer = setInterval(() => {
        this.#commitPastMarkers(consumer, sampled);
        this.#sampleLag(consumer, sampled).catch((error: unknown) => logger.debug({ err: error }, 'cannot measure the lag this time'));
      }, this.options.lagIntervalMs ?? DEFAULT_LAG_INTERVAL_MS);
      lagTimer.unref();
      logger.info({ groupId, topic, protocol: kafka.groupProtocol }, 'consuming');
      // The batch in hand: resolves true once handled, false when stopping first; never rejects.
      let previous = Promise.resolve(true);
      while (!this.#stopping && failure === undefined) {
        const batch = readAvailable(stream, this.options.maxBatch);
        if (batch.length === 0) {
          await new Promise<void>((resolve) => {
            signalReadable = resolve;
            if (wakeUp.aborted || stream!.readableLength > 0) resolve();
          });
          signalReadable = undefined;
          continue;
        }
        // Read in the same tick as the batch: an empty buffer means every record fetched so far is in it.
        const positions = stream.readableLength === 0 ? fetchPositions(stream, topic) : undefined;
        previous = this.#handleInTurn(consumer, stream, batch, positions, previous);
        // One batch at a time: overlapping them (handling the next while one commits) once wrote
        // an order twice in the scaling test, a case not understood yet (docs/reliability.md).
        if (!(await previous)) break;
      }
      await previous;
    } finally {
      this.#setConsuming(false);
      clearInterval(lagTimer);
      await this.#committing;
      this.#handled.clear();
      this.#committed.clear();
      this.#toCommit.clear();
      this.#verified.clear();
      this.#floor.clear();
      this.#blocked.clear();
      this.#clearLag(new Set());
      // Closing the stream flushes queued commits; closing the consumer leaves the group.
      await stream?.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the stream failed'));
      await consumer.close(true).catch((error: unknown) => logger.warn({ err: error }, 'leaving the group failed'));
    }
    if (failure !== undefined) throw failure;
  }

  /**
   * Handles a batch after the one before it (`previous`), retrying until it is handled; false
   * when the consumer stops first; its offsets are committed only after the previous batch's.
   */
  async #handleInTurn(consumer: BatchKafkaConsumer, stream: ConsumedStream, batch: readonly ConsumedMessage[], positions: ReadonlyMap<number, bigint> | undefined, previous: Promise<boolean>): Promise<boolean> {
    this.#inHand += 1;
    const after = previous.then((handled) => {
      if (!handled) throw new PreviousBatchNotHandledError();
    });
    after.catch(() => undefined);
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          const current = await this.#unhandled(consumer, stream, batch);
          if (current.length === 0) return await previous;
          const offsets = this.#offsetsOf(consumer, current, positions);
          // A commit past transaction markers still in flight would land after this batch's
          // transactional offsets and win over them once the transaction commits (the later
          // record in the offsets log wins): the batch waits for it.
          if (this.#transactional) await this.#committing;
          await this.handle(current, offsets, after);
          if (!(await previous)) return false;
          for (const { partition, offset } of offsets.offsets) {
            this.#handled.set(partition, offset);
            this.#raiseFloor(partition, offset);
          }
          if (this.#transactional) this.#noteCommitted(consumer, offsets.offsets);
          else this.#commit(consumer, offsets.offsets);
          return true;
        } catch (error) {
          if (!(await previous)) return false;
          if (this.#stopping) {
            this.options.logger.warn({ err: error, size: batch.length }, 'stopping with a batch not handled; it will be redelivered');
            return false;
          }
          // The group changed under the batch: handled again at once, without what is no longer its own.
          if (error instanceof PartitionsRevokedError) {
            this.options.logger.info({ reason: error.message, attempt }, 'batch handled again');
            continue;
          }
          this.options.logger.warn({ err: error, attempt, retryInMs: HANDLER_RETRY_DELAY_MS }, 'batch not handled; retrying');
          // A transaction whose commit failed may have committed all the same (the broker went away
          // before answering): read the committed offsets again before handling the batch again.
          if (this.#transactional) for (const { partition } of batch) this.#verified.delete(partition);
          await this.#pause(HANDLER_RETRY_DELAY_MS);
        }
      }
    } finally {
      this.#inHand -= 1;
    }
  }

  /** Per partition of the batch, the next offset to read: the fetch position when nothing of it is left unread. */
  #offsetsOf(consumer: BatchKafkaConsumer, batch: readonly ConsumedMessage[], positions: ReadonlyMap<number, bigint> | undefined): BatchOffsets {
    const last = new Map<number, ConsumedMessage>();
    for (const message of batch) last.set(message.partition, message);
    const offsets = [...last.values()].map((message): PartitionOffset => {
      const next = message.offset + 1n;
      const position = positions?.get(message.partition);
      return { topic: message.topic, partition: message.partition, offset: position !== undefined && position > next ? position : next, leaderEpoch: message.leaderEpoch };
    });
    const { groupId, topic, kafka } = this.options;
    return {
      groupId,
      offsets,
      member: () => {
        const owned = ownedPartitions(consumer, topic);
        // Blocked meanwhile too: the batch before this one, retried, dropped records of the partition.
        const revoked = offsets.filter(({ partition }) => (owned !== undefined && !owned.has(partition)) || this.#blocked.has(partition)).map(({ partition }) => partition);
        if (revoked.length > 0) throw new PartitionsRevokedError(revoked);
        const { memberId, coordinatorId } = consumer;
        const generationId = memberId === null ? undefined : kafka.groupProtocol === 'consumer' ? memberEpochOf(memberId) : consumer.generationId;
        if (memberId === null || coordinatorId === null || generationId === undefined) throw new Error('not a member of the group yet');
        return { groupId, memberId, generationId, coordinatorId };
      },
    };
  }

  /**
   * The records of the batch still to handle, in order, one per offset.
   *
   * The client reads the committed offsets of every assigned partition again on each assignment
   * change, so records handled already come back (their commit was still in flight): each
   * partition has a floor, where this member's handled batches left it, and records below it are
   * dropped. For a partition whose assignment changed, the floor is raised to its committed
   * offset, read again once no transaction that commits offsets for it is open (KIP-447: a
   * previous owner's last transaction may commit after the client read the offsets).
   *
   * Records of a partition revoked since they were fetched are dropped: its new owner handles
   * them from the committed offset. The partition is then blocked at the first of them, and its
   * fetch position moved back there: should it come back to this member, records fetched before
   * (after the gap) are dropped until the ones from the gap come again, so that nothing after a
   * dropped record is handled before it. Another owner's commit past the gap unblocks it.
   */
  async #unhandled(consumer: BatchKafkaConsumer, stream: ConsumedStream, batch: readonly ConsumedMessage[]): Promise<ConsumedMessage[]> {
    const { groupId, topic } = this.options;
    const assignment = consumer.assignments;
    const owned = ownedPartitions(consumer, topic);
    const changed = [...new Set(batch.map((message) => message.partition))].filter(
      (partition) => (owned === undefined || owned.has(partition)) && this.#verified.get(partition) !== assignment,
    );
    if (changed.length > 0) {
      const started = performance.now();
      const committed = await this.#coordinator.stableOffsets(groupId, topic, changed, this.#shutdown.signal, {
        everyMs: UNSTABLE_OFFSETS_REPORT_MS,
        report: (waitedMs) =>
          this.options.logger.warn(
            { partitions: changed, waitedMs },
            'waiting for a transaction that commits offsets of these partitions to end; if it never does (a hanging transaction, e.g. after a single broker restarted), find it with kafka-transactions.sh find-hanging and abort it',
          ),
      });
      for (const partition of changed) {
        const offset = committed.get(partition) ?? -1n;
        this.#raiseFloor(partition, offset);
        const blocked = this.#blocked.get(partition);
        if (blocked !== undefined && offset > blocked) this.#blocked.delete(partition);
        this.#verified.set(partition, assignment);
      }
      this.options.logger.info(
        { partitions: changed, committedOffsets: changed.map((partition) => String(committed.get(partition) ?? -1n)), waitedMs: Math.round(performance.now() - started) },
        'read the committed offsets of partitions whose assignment changed',
      );
    }
    const next = new Map<number, bigint>();
    const unhandled: ConsumedMessage[] = [];
    for (const message of batch) {
      const { partition, offset } = message;
      if (offset < (next.get(partition) ?? this.#floor.get(partition) ?? -1n)) continue;
      const blocked = this.#blocked.get(partition);
      if ((owned !== undefined && !owned.has(partition)) || (blocked !== undefined && offset > blocked)) {
        this.#block(stream, partition, blocked === undefined || offset < blocked ? offset : blocked);
        continue;
      }
      this.#blocked.delete(partition);
      unhandled.push(message);
      next.set(partition, offset + 1n);
    }
    if (unhandled.length < batch.length) {
      this.options.logger.info({ fetched: batch.length, kept: unhandled.length, blocked: Object.fromEntries([...this.#blocked].map(([partition, offset]) => [partition, String(offset)])) }, 'dropped records handled already, or of revoked partitions');
    }
    return unhandled;
  }

  /** Drops a partition's records from `offset` on until they are fetched again from there (see #unhandled). */
  #block(stream: ConsumedStream, partition: number, offset: bigint): void {
    this.#blocked.set(partition, offset);
    // The client exposes its fetch positions' map: moving one back is how to fetch again from there.
    const key = `${this.options.topic}:${partition}`;
    const position = stream.offsetsToFetch.get(key);
    if (position === undefined || position > offset) stream.offsetsToFetch.set(key, offset);
  }

  #raiseFloor(partition: number, offset: bigint): void {
    if (offset > (this.#floor.get(partition) ?? -1n)) this.#floor.set(partition, offset);
  }

  /** Commits (one request in flight at a time, later offsets merged in); a failed commit only means redelivery. */
  #commit(consumer: BatchKafkaConsumer, offsets: readonly PartitionOffset[]): void {
    for (const offset of offsets) {
      const queued = this.#toCommit.get(offset.partition);
      if (queued === undefined || queued.offset < offset.offset) this.#toCommit.set(offset.partition, offset);
    }
    this.#committing ??= this.#flushCommits(consumer);
  }

  async #flushCommits(consumer: BatchKafkaConsumer): Promise<void> {
    while (this.#toCommit.size > 0) {
      const wait = this.#lastCommitAt + (this.options.commitIntervalMs ?? 0) - performance.now();
      if (wait > 0) await this.#pause(wait);
      const offsets = [...this.#toCommit.values()];
      this.#toCommit.clear();
      this.#lastCommitAt = performance.now();
      try {
        await consumer.commit({ offsets });
        this.#noteCommitted(consumer, offsets);
      } catch (error) {
        this.options.logger.warn({ err: error, partitions: offsets.map(({ partition }) => partition) }, 'offset commit failed; the batch may be redelivered');
      }
    }
    this.#committing = undefined;
  }

  #noteCommitted(consumer: BatchKafkaConsumer, offsets: readonly PartitionOffset[]): void {
    for (const { partition, offset } of offsets) this.#committed.set(partition, { offset, under: consumer.assignments });
  }

  /**
   * While idle, moves the committed offset of partitions whose fetch position went past it
   * without a record to handle (the marker of a transaction fetched after its records). Only
   * partitions this member committed under its current assignment: their fetch position is
   * its own, never one read before a previous owner's last commit.
   */
  #commitPastMarkers(consumer: BatchKafkaConsumer, stream: ConsumedStream): void {
    if (this.#inHand > 0 || stream.readableLength > 0 || this.#committing !== undefined) return;
    const positions = fetchPositions(stream, this.options.topic);
    const offsets: PartitionOffset[] = [];
    for (const [partition, { offset, under }] of this.#committed) {
      const position = positions.get(partition);
      if (under !== consumer.assignments || this.#blocked.has(partition) || position === undefined || position <= offset) continue;
      offsets.push({ topic: this.options.topic, partition, offset: position, leaderEpoch: -1 });
    }
    if (offsets.length > 0) this.#commit(consumer, offsets);
  }

  /**
   * Per assigned partition, records not handled yet: the end of what read_committed consumers
   * can read, minus this member's position. While idle the position is the fetch position,
   * which has moved past transaction markers; busy, it is after the last record handled (the
   * fetch position counts prefetched records as done).
   */
  async #sampleLag(consumer: BatchKafkaConsumer, stream: ConsumedStream): Promise<void> {
    const { topic, groupId, metrics } = this.options;
    const assigned = (consumer.assignments ?? []).filter((assignment) => assignment.topic === topic).flatMap((assignment) => assignment.partitions);
    if (assigned.length === 0 || metrics === undefined) {
      this.#clearLag(new Set());
      return;
    }
    const ends = (await consumer.listOffsets({ topics: [topic], partitions: { [topic]: assigned }, isolationLevel: FetchIsolationLevels.READ_COMMITTED })).get(topic) ?? [];
    const idle = this.#inHand === 0 && stream.readableLength === 0;
    for (const partition of assigned) {
      const fetched = stream.offsetsToFetch.get(`${topic}:${partition}`);
      const position = idle ? fetched : (this.#handled.get(partition) ?? fetched);
      const end = ends[partition];
      if (position === undefined || end === undefined || end < 0n) continue;
      metrics.lag.set({ group: groupId, topic, partition: String(partition) }, Number(end > position ? end - position : 0n));
      this.#lagReported.add(partition);
    }
    this.#clearLag(new Set(assigned));
  }

  /** Stops reporting the lag of partitions this member no longer owns (their new owner reports it). */
  #clearLag(keep: ReadonlySet<number>): void {
    for (const partition of this.#lagReported) {
      if (keep.has(partition)) continue;
      this.options.metrics?.lag.remove({ group: this.options.groupId, topic: this.options.topic, partition: String(partition) });
      this.#lagReported.delete(partition);
    }
  }

  async #pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.#shutdown.signal }).catch(() => undefined);
  }
}

type BatchKafkaConsumer = Consumer<string, Buffer, string, string>;

/** This member's partitions of the topic; undefined before its first assignment. */
function ownedPartitions(consumer: BatchKafkaConsumer, topic: string): Set<number> | undefined {
  if (consumer.assignments === null) return undefined;
  return new Set(consumer.assignments.filter((assignment) => assignment.topic === topic).flatMap((assignment) => assignment.partitions));
}

/** Per partition of the topic, the next offset the stream fetches. */
function fetchPositions(stream: ConsumedStream, topic: string): Map<number, bigint> {
  const positions = new Map<number, bigint>();
  const prefix = `${topic}:`;
  for (const [key, offset] of stream.offsetsToFetch) {
    if (key.startsWith(prefix)) positions.set(Number(key.slice(prefix.length)), offset);
  }
  return positions;
}

function readAvailable(stream: ConsumedStream, max: number): ConsumedMessage[] {
  const batch: ConsumedMessage[] = [];
  while (batch.length < max) {
    const message = stream.read() as ConsumedMessage | null;
    if (message === null) break;
    batch.push(message);
  }
  return batch;
}
