import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { LifecycleEvent, LogStatus, UploadProgress } from '@flowcast/common/contracts';
import { APPLY_EVENTS_SCRIPT, CONFIRM_BROADCAST_SCRIPT } from './apply-events-script.js';
import {
  historyEntryOf,
  logStatusOf,
  uploadProgressOf,
  type Applied,
  type HistoryEntry,
  type LogRecord,
  type StatusCounters,
  type StatusView,
  type StreamOutlet,
} from './status-view.js';

/**
 * Events per call of the apply script: a batch is applied in calls of at most this many, sent
 * together, so that one call keeps Redis from its other clients for a bounded time.
 */
const EVENTS_PER_SCRIPT = 100;

/** The status view shared by every gateway replica, in Redis; a batch's events are applied by one atomic script. */
export class RedisStatusView implements StatusView {
  #scriptSha: string | undefined;
  #confirmSha: string | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  /** With an outlet, each new event is appended to its stream by the script that records it. */
  async apply(events: readonly LifecycleEvent[], outlet?: StreamOutlet): Promise<Applied[]> {
    if (events.length === 0) return [];
    const token = randomUUID();
    return this.#reloadingScripts(() => this.#applyAll(events, token, outlet));
  }

  async confirmBroadcast(events: readonly LifecycleEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.#reloadingScripts(async () => {
      this.#confirmSha ??= (await this.redis.script('LOAD', CONFIRM_BROADCAST_SCRIPT)) as string;
      const pipeline = this.redis.pipeline();
      for (const event of events) pipeline.evalsha(this.#confirmSha, 1, this.#logKey(event.logId), event.type);
      for (const [error] of (await pipeline.exec()) ?? []) if (error !== null) throw error;
    });
  }

  /** Redis restarted and forgot the scripts: load them again, once. */
  async #reloadingScripts<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
      this.#scriptSha = undefined;
      this.#confirmSha = undefined;
      return work();
    }
  }

  async log(logId: string): Promise<LogStatus | undefined> {
    const [hash, history] = await Promise.all([
      this.redis.hgetall(this.#logKey(logId)),
      this.redis.lrange(this.#historyKey(logId), 0, -1),
    ]);
    if (hash['status'] === undefined) return undefined;
    const record: LogRecord = {
      logId,
      status: hash['status'] as LogRecord['status'],
      dataType: hash['dataType'] as LogRecord['dataType'],
      ...(hash['uploadId'] === undefined ? {} : { uploadId: hash['uploadId'] }),
      rowCount: Number(hash['rowCount']),
      ...(hash['consumerId'] === undefined ? {} : { consumerId: hash['consumerId'] }),
      ...(hash['error'] === undefined ? {} : { error: hash['error'] }),
      ...(hash['errorCode'] === undefined ? {} : { errorCode: hash['errorCode'] }),
      acceptedAt: hash['acceptedAt'] ?? '',
      updatedAt: hash['updatedAt'] ?? '',
    };
    return logStatusOf(record, history.map((entry) => JSON.parse(entry) as HistoryEntry));
  }

  async upload(uploadId: string): Promise<UploadProgress | undefined> {
    const hash = await this.redis.hgetall(this.#uploadKey(uploadId));
    if (hash['updatedAt'] === undefined) return undefined;
    const count = (field: string) => Number(hash[field] ?? 0);
    const optional = (field: string) => (hash[field] === undefined ? undefined : Number(hash[field]));
    return uploadProgressOf(uploadId, {
      receivedBatches: count('receivedBatches'),
      receivedRows: count('receivedRows'),
      processedBatches: count('processedBatches'),
      failedBatches: count('failedBatches'),
      processedRows: count('processedRows'),
      failedRows: count('failedRows'),
      totalBatches: optional('totalBatches'),
      totalRows: optional('totalRows'),
      updatedAt: hash['updatedAt'],
    });
  }

  async counters(): Promise<StatusCounters> {
    const hash = await this.redis.hgetall(`${this.prefix}stats`);
    const count = (field: string) => Math.max(0, Number(hash[field] ?? 0));
    return {
      totalMessages: count('totalMessages'),
      processingMessages: count('processingMessages'),
      processedMessages: count('processedMessages'),
      failedMessages: count('failedMessages'),
    };
  }

  async reportClients(instanceId: string, count: number, ttlMs: number): Promise<number> {
    const key = `${this.prefix}clients`;
    const now = Date.now();
    const [, all] = (await this.redis
      .multi()
      .hset(key, instanceId, `${count}:${now + ttlMs}`)
      .hgetall(key)
      .exec()) as [[Error | null, unknown], [Error | null, Record<string, string>]];
    let total = 0;
    const expired: string[] = [];
    for (const [replica, value] of Object.entries(all[1] ?? {})) {
      const [clients, expiresAt] = value.split(':').map(Number);
      if ((expiresAt ?? 0) < now) expired.push(replica);
      else total += clients ?? 0;
    }
    if (expired.length > 0) await this.redis.hdel(key, ...expired);
    return total;
  }

  async close(): Promise<void> {
    // The Redis connection belongs to the RedisConnections provider.
  }

  async #applyAll(events: readonly LifecycleEvent[], token: string, outlet: StreamOutlet | undefined): Promise<Applied[]> {
    this.#scriptSha ??= (await this.redis.script('LOAD', APPLY_EVENTS_SCRIPT)) as string;
    const pipeline = this.redis.pipeline();
    for (let from = 0; from < events.length; from += EVENTS_PER_SCRIPT) {
      const keys = [`${this.prefix}stats`, outlet?.key ?? `${this.prefix}stream:-`];
      const args: Array<string | number> = [this.ttlSeconds, token, outlet?.maxLen ?? ''];
      for (const event of events.slice(from, from + EVENTS_PER_SCRIPT)) {
        keys.push(this.#logKey(event.logId), this.#historyKey(event.logId), event.uploadId === undefined ? `${this.prefix}upload:-` : this.#uploadKey(event.uploadId));
        const totals = event.type === 'message-received' ? event.uploadTotals : undefined;
        const entry = outlet?.entryOf(event) ?? [];
        args.push(
          event.type,
          event.logId,
          event.timestamp,
          event.consumerId,
          event.dataType,
          event.uploadId ?? '',
          event.rowCount,
          event.producedAt,
          event.type === 'processing-failed' ? event.error : '',
          event.type === 'processing-failed' ? event.errorCode : '',
          totals?.batchCount ?? '',
          totals?.rowCount ?? '',
          JSON.stringify(historyEntryOf(event)),
          entry.length,
          ...entry,
        );
      }
      pipeline.evalsha(this.#scriptSha, keys.length, ...keys, ...args);
    }
    const recorded: Applied = outlet === undefined ? 'fresh' : 'published';
    return ((await pipeline.exec()) ?? []).flatMap(([error, results]) => {
      if (error !== null) throw error;
      return (results as number[]).map((result) => (result === 1 || result === 2 ? recorded : 'duplicate'));
    });
  }

  #logKey(logId: string): string {
    return `${this.prefix}log:${logId}`;
  }
  #historyKey(logId: string): string {
    return `${this.prefix}log:${logId}:history`;
  }
  #uploadKey(uploadId: string): string {
    return `${this.prefix}upload:${uploadId}`;
  }
}
