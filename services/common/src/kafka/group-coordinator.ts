import { setTimeout as sleep } from 'node:timers/promises';
import { Admin, Connection, connectionsApiChannel, consumerGroupDescribeV0, FindCoordinatorKeyTypes, offsetFetchV9 } from '@platformatic/kafka';
import type { KafkaConfig } from '../config/shared-environment.js';
import { baseClientOptions } from './client-options.js';

/** Kafka error codes the group coordinator answers with while it cannot serve a request yet. */
const COORDINATOR_LOAD_IN_PROGRESS = 14;
const COORDINATOR_NOT_AVAILABLE = 15;
const NOT_COORDINATOR = 16;
const GROUP_ID_NOT_FOUND = 69;
const UNSTABLE_OFFSET_COMMIT = 88;
const CONSUMER_GROUP_HEARTBEAT_API_KEY = 68;

/**
 * Requests to a group's coordinator that the client library does not wrap: the members of a
 * KIP-848 group (ConsumerGroupDescribe) and offsets committed with `require_stable`
 * (OffsetFetch v9, KIP-447). One connection, to the last coordinator asked.
 */
export class GroupCoordinator {
  readonly #admin: Admin;
  readonly #kafka: KafkaConfig;
  readonly #role: string;
  #connection: { address: string; connection: Connection } | undefined;

  constructor(kafka: KafkaConfig, role: string) {
    this.#kafka = kafka;
    this.#role = role;
    this.#admin = new Admin(baseClientOptions(kafka, role));
  }

  /** The live members of a group, whichever protocol it uses. */
  async countMembers(groupId: string): Promise<number> {
    if (this.#kafka.groupProtocol === 'classic') {
      const groups = await this.#admin.describeGroups({ groups: [groupId] });
      return groups.get(groupId)?.members.size ?? 0;
    }
    try {
      const response = await this.#withCoordinator(groupId, (connection) => consumerGroupDescribeV0.api.async(connection, [groupId], false));
      return response.groups[0]?.members.length ?? 0;
    } catch (error) {
      // A group with no members yet is not found.
      const codes = errorCodesOf(error);
      if (codes.length > 0 && codes.every((code) => code === GROUP_ID_NOT_FOUND || code === 0)) return 0;
      throw error;
    }
  }

  /**
   * The offsets committed for these partitions once no transaction that commits offsets for
   * them is still open (KIP-447): until then the coordinator answers UNSTABLE_OFFSET_COMMIT and
   * this waits, for as long as `signal` allows, calling `stillUnstable.report` with the time
   * waited every `stillUnstable.everyMs` (a transaction that never ends is a hanging one).
   * -1 for a partition without a committed offset.
   */
  async stableOffsets(
    groupId: string,
    topic: string,
    partitions: readonly number[],
    signal: AbortSignal,
    stillUnstable?: { everyMs: number; report: (waitedMs: number) => void },
  ): Promise<Map<number, bigint>> {
    const started = performance.now();
    let reported = 0;
    for (;;) {
      try {
        const response = await this.#withCoordinator(groupId, (connection) =>
          offsetFetchV9.api.async(connection, [{ groupId, memberId: null, memberEpoch: -1, topics: [{ name: topic, partitionIndexes: [...partitions] }] }], true),
        );
        const offsets = new Map<number, bigint>();
        for (const partition of response.groups[0]?.topics.find((entry) => entry.name === topic)?.partitions ?? []) {
          offsets.set(partition.partitionIndex, partition.committedOffset);
        }
        return offsets;
      } catch (error) {
        const codes = errorCodesOf(error);
        if (codes.length === 0 || !codes.every((code) => code === UNSTABLE_OFFSET_COMMIT || code === 0)) throw error;
        const waitedMs = performance.now() - started;
        if (stillUnstable !== undefined && waitedMs >= (reported + 1) * stillUnstable.everyMs) {
          reported = Math.floor(waitedMs / stillUnstable.everyMs);
          stillUnstable.report(Math.round(waitedMs));
        }
        await sleep(50, undefined, { signal });
      }
    }
  }

  /** The id of the broker that coordinates the group. */
  async coordinatorId(groupId: string): Promise<number> {
    return (await this.#find(groupId)).nodeId;
  }

  async close(): Promise<void> {
    await this.#dropConnection();
    await this.#admin.close();
  }

  async #find(groupId: string): Promise<{ nodeId: number; host: string; port: number }> {
    const [coordinator] = await this.#admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [groupId] });
    if (coordinator === undefined) throw new Error(`no coordinator for group ${groupId}`);
    return coordinator;
  }

  async #withCoordinator<T>(groupId: string, request: (connection: Connection) => Promise<T>): Promise<T> {
    const coordinator = await this.#find(groupId);
    const connection = await this.#connectionTo(coordinator.host, coordinator.port);
    try {
      return await request(connection);
    } catch (error) {
      const codes = errorCodesOf(error);
      // A moved or loading coordinator, or a broken connection: ask afresh next time.
      if (codes.length === 0 || codes.some((code) => code === NOT_COORDINATOR || code === COORDINATOR_NOT_AVAILABLE || code === COORDINATOR_LOAD_IN_PROGRESS)) {
        await this.#dropConnection();
      }
      throw error;
    }
  }

  async #connectionTo(host: string, port: number): Promise<Connection> {
    const address = `${host}:${port}`;
    if (this.#connection?.address === address) return this.#connection.connection;
    await this.#dropConnection();
    const { clientId, ...connectionOptions } = baseClientOptions(this.#kafka, this.#role);
    const connection = new Connection(clientId, connectionOptions);
    await connection.connect(host, port);
    this.#connection = { address, connection };
    return connection;
  }

  async #dropConnection(): Promise<void> {
    const current = this.#connection;
    this.#connection = undefined;
    if (current !== undefined) await current.connection.close().catch(() => undefined);
  }
}

/** The Kafka error codes of a response error, at any level of the response; empty for other errors. */
function errorCodesOf(error: unknown): number[] {
  const response = (error as { response?: unknown }).response;
  if (response === undefined) return [];
  const codes: number[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, field] of Object.entries(value)) {
        if (key === 'errorCode' && typeof field === 'number') codes.push(field);
        else visit(field);
      }
    }
  };
  visit(response);
  return codes;
}

const memberEpochs = new Map<string, number>();
let watchingEpochs = false;

/**
 * The epoch of a KIP-848 group member, as its coordinator last told it in a heartbeat answer.
 * The client library keeps it private and sends a generation of 0 in TxnOffsetCommit, which
 * the coordinator refuses; the epoch is what fences a member that lost its partitions
 * (KIP-447). Undefined until the member's first heartbeat answer after `watchMemberEpochs`.
 */
export function memberEpochOf(memberId: string): number | undefined {
  return memberEpochs.get(memberId);
}

/** Starts following heartbeat answers (the library's diagnostics channel); idempotent. */
export function watchMemberEpochs(): void {
  if (watchingEpochs) return;
  watchingEpochs = true;
  const ignore = (): void => undefined;
  connectionsApiChannel.subscribe({
    start: ignore,
    end: ignore,
    asyncEnd: ignore,
    error: ignore,
    asyncStart(context: unknown) {
      const { apiKey, result } = context as { apiKey?: number; result?: { memberId?: string | null; memberEpoch?: number } };
      if (apiKey !== CONSUMER_GROUP_HEARTBEAT_API_KEY || typeof result?.memberId !== 'string' || typeof result.memberEpoch !== 'number') return;
      if (result.memberEpoch < 0) memberEpochs.delete(result.memberId);
      else memberEpochs.set(result.memberId, result.memberEpoch);
    },
  });
}
