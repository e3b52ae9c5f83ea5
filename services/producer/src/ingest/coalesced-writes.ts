import type { OutgoingRecord } from '@flowcast/common/kafka';

interface Waiting {
  record: OutgoingRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Writes single records in as few Kafka requests as the load allows, as Kafka's own producer
 * does with `linger.ms`. A record handed over while no request is in flight leaves when the
 * turn of the event loop ends, with the others of that turn. One handed over while a request
 * is in flight waits for its answer (a broker handles one connection's requests one after the
 * other anyway), then leaves with all that came meanwhile, in one request: the broker appends
 * one batch instead of one per message. It never waits longer than `lingerMs`, so a record
 * leaves at the start of its caller's deadline even behind a request that hangs (a message
 * answered 503 is not written later). A failed request fails every record in it.
 */
export class CoalescedWrites {
  #waiting: Waiting[] = [];
  #inFlight = 0;
  #linger: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (records: readonly OutgoingRecord[]) => Promise<void>,
    private readonly lingerMs: number,
  ) {}

  send(record: OutgoingRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#waiting.length === 0) {
        if (this.#inFlight === 0 || this.lingerMs === 0) setImmediate(() => void this.#flush());
        else this.#linger = setTimeout(() => void this.#flush(), this.lingerMs);
      }
      this.#waiting.push({ record, resolve, reject });
    });
  }

  async #flush(): Promise<void> {
    clearTimeout(this.#linger);
    this.#linger = undefined;
    if (this.#waiting.length === 0) return;
    const batch = this.#waiting;
    this.#waiting = [];
    this.#inFlight += 1;
    try {
      await this.write(batch.map(({ record }) => record));
      for (const { resolve } of batch) resolve();
    } catch (error) {
      for (const { reject } of batch) reject(error);
    } finally {
      this.#inFlight -= 1;
      // What lingered behind this request leaves now, rather than at its timer.
      if (this.#inFlight === 0 && this.#linger !== undefined) void this.#flush();
    }
  }
}
