import { getJson, order, postJson } from './http.js';
import { readTopic } from './kafka.js';

/** What a sender saw: the logIds the producer accepted (202), and every other answer by status. */
export interface SendResult {
  /** Accepted valid orders, in acceptance order. */
  valid: string[];
  /** Accepted orders the processor refuses (quantity 0): they end FAILED. */
  invalid: string[];
  /** Answers other than 202, by status code (503 during an outage, …). */
  refused: Map<number, number>;
  /** Requests that got no answer at all, and why (ECONNREFUSED: never sent; ECONNRESET, UND_ERR_SOCKET: cut mid-request). */
  unanswered: number;
  unansweredCodes: Map<string, number>;
  /** When each logId was accepted (Date.now() at the 202). */
  acceptedAt: Map<string, number>;
  /** Every answer other than 202: its status, its Retry-After header, and how long it took. */
  /** `logId`: the one a 503 names, for a message Kafka did not acknowledge (it may have it all the same). */
  refusals: Array<{ status: number; retryAfter: string | null; ms: number; logId?: string; invalid: boolean }>;
}

export interface SendOptions {
  /** Concurrent requests. */
  concurrency?: number;
  /** Every `invalidEvery`-th order is invalid (quantity 0) and ends FAILED; 0: none. */
  invalidEvery?: number;
  /** Stops early when aborted; what was sent so far is returned. */
  signal?: AbortSignal;
  /** Pause between two requests of one sender, to hold a rate instead of a flood. */
  pauseMs?: number;
}

/** Sends `count` single orders to the producer, `concurrency` at a time. */
export async function sendOrders(producerUrl: string, count: number, options: SendOptions = {}): Promise<SendResult> {
  const { concurrency = 16, invalidEvery = 0, signal, pauseMs = 0 } = options;
  const result: SendResult = { valid: [], invalid: [], refused: new Map(), unanswered: 0, unansweredCodes: new Map(), acceptedAt: new Map(), refusals: [] };
  let next = 0;
  const sender = async (): Promise<void> => {
    while (next < count && signal?.aborted !== true) {
      const index = next;
      next += 1;
      const invalid = invalidEvery > 0 && index % invalidEvery === invalidEvery - 1;
      const started = performance.now();
      try {
        const response = await postJson(`${producerUrl}/producers/send/single`, order({ orderNumber: `ORD-${index}`, ...(invalid ? { quantity: 0 } : {}) }));
        if (response.status === 202) {
          const logId = String(response.body['logId']);
          (invalid ? result.invalid : result.valid).push(logId);
          result.acceptedAt.set(logId, Date.now());
        } else {
          result.refused.set(response.status, (result.refused.get(response.status) ?? 0) + 1);
          const named = (response.body['details'] as { logId?: unknown } | undefined)?.logId;
          result.refusals.push({ status: response.status, retryAfter: response.headers.get('retry-after'), ms: performance.now() - started, invalid, ...(typeof named === 'string' ? { logId: named } : {}) });
        }
      } catch (error) {
        result.unanswered += 1;
        const code = errorCodeOf(error);
        result.unansweredCodes.set(code, (result.unansweredCodes.get(code) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  return result;
}

/** The system error code under a fetch failure (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET …). */
export function errorCodeOf(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return 'unknown';
}

/** The status of each logId from a gateway's `GET /api/logs/:logId`, `concurrency` at a time. */
export async function statusesOf(gatewayUrl: string, logIds: readonly string[], concurrency = 16): Promise<Map<string, Record<string, unknown> | undefined>> {
  const statuses = new Map<string, Record<string, unknown> | undefined>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < logIds.length) {
        const logId = logIds[next]!;
        next += 1;
        const { status, body } = await getJson(`${gatewayUrl}/api/logs/${logId}`);
        statuses.set(logId, status === 200 ? body : undefined);
      }
    }),
  );
  return statuses;
}

/** How the messages of a run ended in the status view, counted per logId. */
export interface StatusTally {
  processed: number;
  failed: number;
  /** Accepted logIds the status view does not know, or not finished. */
  missing: string[];
  /** Valid orders that ended FAILED, or invalid ones that ended PROCESSED. */
  wrongOutcome: string[];
  /** logIds whose history holds a step more than once. */
  repeatedSteps: string[];
}

export async function tallyStatuses(gatewayUrl: string, sent: Pick<SendResult, 'valid' | 'invalid'>): Promise<StatusTally> {
  const tally: StatusTally = { processed: 0, failed: 0, missing: [], wrongOutcome: [], repeatedSteps: [] };
  const expected = new Map<string, string>([...sent.valid.map((logId) => [logId, 'PROCESSED'] as const), ...sent.invalid.map((logId) => [logId, 'FAILED'] as const)]);
  const statuses = await statusesOf(gatewayUrl, [...expected.keys()]);
  for (const [logId, status] of statuses) {
    const state = status?.['status'];
    if (state === 'PROCESSED') tally.processed += 1;
    else if (state === 'FAILED') tally.failed += 1;
    else {
      tally.missing.push(logId);
      continue;
    }
    if (state !== expected.get(logId)) tally.wrongOutcome.push(logId);
    const steps = (status!['history'] as Array<{ type: string }>).map((step) => step.type);
    if (new Set(steps).size !== steps.length) tally.repeatedSteps.push(logId);
  }
  return tally;
}

/** orders.processed as a downstream user reads it (read_committed), counted by key. */
export interface OrdersTally {
  records: number;
  /** How many extra copies in all. */
  duplicates: number;
  /** Each key present more than once: its copies, and when the first was processed (ms since the epoch). */
  duplicated: Array<{ key: string; copies: number; firstProcessedAt: number }>;
  /** Accepted valid orders with no record. */
  lost: string[];
  /** Records of logIds that were not accepted as valid orders. */
  unexpected: number;
}

export async function tallyOrders(topic: string, valid: readonly string[], brokers?: string): Promise<OrdersTally> {
  // Called once every message is finished: its results were committed before its completion.
  const all = await readTopic(topic, { idleMs: 2_000, ...(brokers === undefined ? {} : { from: brokers.split(',') }) });
  const counts = new Map<string, number>();
  const firstProcessed = new Map<string, number>();
  for (const record of all) {
    counts.set(record.key, (counts.get(record.key) ?? 0) + 1);
    const processedAt = Date.parse((JSON.parse(record.value) as { processedAt: string }).processedAt);
    firstProcessed.set(record.key, Math.min(firstProcessed.get(record.key) ?? processedAt, processedAt));
  }
  const expectedKeys = new Set(valid.map((logId) => `${logId}:1`));
  const duplicated: OrdersTally['duplicated'] = [];
  let duplicates = 0;
  let unexpected = 0;
  for (const [key, count] of counts) {
    if (count > 1) {
      duplicated.push({ key, copies: count, firstProcessedAt: firstProcessed.get(key)! });
      duplicates += count - 1;
    }
    if (!expectedKeys.has(key)) unexpected += count;
  }
  return { records: all.length, duplicates, duplicated, lost: valid.filter((logId) => !counts.has(`${logId}:1`)), unexpected };
}

/** The longest time between two consecutive instants (ms), and where it started. */
export function longestGap(instants: readonly number[]): { gapMs: number; atMs: number } {
  const sorted = [...instants].sort((a, b) => a - b);
  let gap = { gapMs: 0, atMs: sorted[0] ?? 0 };
  for (let index = 1; index < sorted.length; index += 1) {
    const between = sorted[index]! - sorted[index - 1]!;
    if (between > gap.gapMs) gap = { gapMs: between, atMs: sorted[index - 1]! };
  }
  return gap;
}

/** The longest a message waited, from its 202 to its final event reaching the client (ms). */
export function slowestMessage(acceptedAt: ReadonlyMap<string, number>, finals: ReadonlyArray<{ payload: Record<string, unknown>; receivedAt: number }>): number {
  let slowest = 0;
  for (const event of finals) {
    const accepted = acceptedAt.get(String(event.payload['logId']));
    if (accepted !== undefined) slowest = Math.max(slowest, event.receivedAt - accepted);
  }
  return slowest;
}

/** The gateway's counters (`GET /api/stats`). */
export async function statsOf(gatewayUrl: string): Promise<Record<string, number>> {
  return (await getJson(`${gatewayUrl}/api/stats`)).body as Record<string, number>;
}

/** Prints a figure line for docs/reliability.md into the test output. */
export function report(test: { diagnostic(message: string): void }, figures: Record<string, unknown>): void {
  test.diagnostic(`figures ${JSON.stringify(figures)}`);
}

/** Lifecycle events a gateway replica consumed and broadcast (its `flowcast_gateway_events_broadcast_total`). */
export async function broadcastCount(gatewayUrl: string): Promise<number> {
  const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
  return metrics
    .split('\n')
    .filter((line) => line.startsWith('flowcast_gateway_events_broadcast_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}
