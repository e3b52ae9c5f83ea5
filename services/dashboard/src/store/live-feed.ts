import { shallowRef, type ShallowRef } from 'vue';
import type {
  DataType,
  FlowcastClient,
  MessageReceivedPayload,
  MessageStatus,
  ProcessingCompletedPayload,
  ProcessingFailedPayload,
  ProcessingStartedPayload,
} from '@flowcast/client';

export type Step = 'received' | 'processing' | 'processed' | 'failed';

/** One message as the dashboard saw it: its latest status and each step it was seen to take. */
export interface MessageRow {
  logId: string;
  status: MessageStatus;
  dataType: DataType | undefined;
  rowCount: number | undefined;
  uploadId: string | undefined;
  consumerId: string | undefined;
  error: string | undefined;
  journey: Array<{ step: Step; at: string }>;
}

export type StatusFilter = MessageStatus | 'ALL';

export interface FeedFigures {
  /** Terminal events per second over the last few seconds, as seen by this page. */
  throughput: number;
  /** p95 of received → processed/failed, in ms, over the last messages seen; undefined before any. */
  p95Ms: number | undefined;
}

export interface Failure {
  logId: string;
  error: string;
}

const RANK: Record<MessageStatus, number> = { RECEIVED: 1, PROCESSING: 2, PROCESSED: 3, FAILED: 3 };
const STATUS_OF_STEP: Record<Step, MessageStatus> = {
  received: 'RECEIVED',
  processing: 'PROCESSING',
  processed: 'PROCESSED',
  failed: 'FAILED',
};
const THROUGHPUT_WINDOW_MS = 5_000;
const LATENCY_SAMPLES = 512;

/**
 * The live event list. Events are applied at once to plain (non-reactive) rows, which costs
 * next to nothing per event; Vue is told once per animation frame (`version`), so that a
 * thousand events a second make sixty renders, not a thousand. Only the newest `maxRows`
 * messages are kept.
 */
export class LiveFeed {
  /** Bumped at most once per frame when anything changed; components read rows through it. */
  readonly version: ShallowRef<number> = shallowRef(0);
  readonly figures: ShallowRef<FeedFigures> = shallowRef({ throughput: 0, p95Ms: undefined });
  /** Events applied since the page opened (all of them, not only the kept rows). */
  eventsSeen = 0;

  readonly #rows = new Map<string, MessageRow>();
  /** logIds oldest first; `#head` is the oldest still kept. */
  #order: string[] = [];
  #head = 0;
  readonly #counts: Record<MessageStatus, number> = { RECEIVED: 0, PROCESSING: 0, PROCESSED: 0, FAILED: 0 };
  #scheduled = false;
  #failures: Failure[] = [];
  readonly #failureListeners = new Set<(failures: Failure[]) => void>();
  #terminalTimes: number[] = [];
  #terminalHead = 0;
  readonly #latencies: number[] = [];
  #latencyCursor = 0;

  constructor(
    client: FlowcastClient,
    readonly maxRows = 2_000,
  ) {
    client.on('message-received', (payload) => this.#apply('received', payload));
    client.on('processing-started', (payload) => this.#apply('processing', payload));
    client.on('processing-completed', (payload) => this.#apply('processed', payload));
    client.on('processing-failed', (payload) => this.#apply('failed', payload));
  }

  get size(): number {
    return this.#rows.size;
  }

  row(logId: string): MessageRow | undefined {
    return this.#rows.get(logId);
  }

  count(filter: StatusFilter): number {
    return filter === 'ALL' ? this.#rows.size : this.#counts[filter];
  }

  /** Rows matching `filter`, newest first, from `offset`, at most `limit` of them. */
  slice(filter: StatusFilter, offset: number, limit: number): MessageRow[] {
    const rows: MessageRow[] = [];
    let skipped = 0;
    for (let index = this.#order.length - 1; index >= this.#head && rows.length < limit; index -= 1) {
      const row = this.#rows.get(this.#order[index]!);
      if (row === undefined || (filter !== 'ALL' && row.status !== filter)) continue;
      if (skipped < offset) skipped += 1;
      else rows.push(row);
    }
    return rows;
  }

  /** Called once per frame with the failures seen in it (for toasts). */
  onFailures(listener: (failures: Failure[]) => void): () => void {
    this.#failureListeners.add(listener);
    return () => this.#failureListeners.delete(listener);
  }

  #apply(
    step: Step,
    payload: MessageReceivedPayload | ProcessingStartedPayload | ProcessingCompletedPayload | ProcessingFailedPayload,
  ): void {
    this.eventsSeen += 1;
    let row = this.#rows.get(payload.logId);
    if (row === undefined) {
      row = {
        logId: payload.logId,
        status: STATUS_OF_STEP[step],
        dataType: undefined,
        rowCount: undefined,
        uploadId: payload.uploadId,
        consumerId: undefined,
        error: undefined,
        journey: [],
      };
      this.#rows.set(payload.logId, row);
      this.#order.push(payload.logId);
      this.#counts[row.status] += 1;
      this.#evict();
    } else if (RANK[STATUS_OF_STEP[step]] > RANK[row.status]) {
      this.#counts[row.status] -= 1;
      row.status = STATUS_OF_STEP[step];
      this.#counts[row.status] += 1;
    }
    if (!row.journey.some((entry) => entry.step === step)) row.journey.push({ step, at: payload.timestamp });
    if ('data' in payload) {
      row.dataType = payload.data.dataType;
      row.rowCount = payload.data.rowCount ?? 1;
    }
    if ('consumerId' in payload) row.consumerId = payload.consumerId;
    if ('error' in payload) {
      row.error = payload.error;
      this.#failures.push({ logId: payload.logId, error: payload.error });
    }
    if (step === 'processed' || step === 'failed') this.#measure(row, payload.timestamp);
    this.#schedule();
  }

  #measure(row: MessageRow, doneAt: string): void {
    this.#terminalTimes.push(performance.now());
    const received = row.journey.find((entry) => entry.step === 'received');
    if (received === undefined) return;
    const latency = Date.parse(doneAt) - Date.parse(received.at);
    if (Number.isNaN(latency)) return;
    this.#latencies[this.#latencyCursor] = latency;
    this.#latencyCursor = (this.#latencyCursor + 1) % LATENCY_SAMPLES;
  }

  #evict(): void {
    while (this.#order.length - this.#head > this.maxRows) {
      const oldest = this.#rows.get(this.#order[this.#head]!);
      if (oldest !== undefined) {
        this.#counts[oldest.status] -= 1;
        this.#rows.delete(oldest.logId);
      }
      this.#head += 1;
    }
    if (this.#head > 4_096) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // A hidden tab gets no animation frames: flush on a slow timer there instead.
    if (document.hidden) setTimeout(() => this.#flush(), 1_000);
    else requestAnimationFrame(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    const now = performance.now();
    const times = this.#terminalTimes;
    while (this.#terminalHead < times.length && times[this.#terminalHead]! < now - THROUGHPUT_WINDOW_MS) this.#terminalHead += 1;
    if (this.#terminalHead > 8_192) {
      this.#terminalTimes = times.slice(this.#terminalHead);
      this.#terminalHead = 0;
    }
    const recent = this.#terminalTimes.length - this.#terminalHead;
    this.figures.value = { throughput: recent / (THROUGHPUT_WINDOW_MS / 1_000), p95Ms: this.#p95() };
    this.version.value += 1;
    if (this.#failures.length > 0) {
      const failures = this.#failures;
      this.#failures = [];
      for (const listener of this.#failureListeners) listener(failures);
    }
  }

  #p95(): number | undefined {
    if (this.#latencies.length === 0) return undefined;
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))];
  }
}
