import type { OutgoingRecord } from '@flowcast/common/kafka';

interface Waiting {
  record: OutgoingRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Writes the records handed over during one turn of the event loop in one request, sent as
 * soon as the turn ends. Under load the single messages that Fastify read in one poll phase
 * then share a Kafka request, and the broker appends one batch instead of one per message; a
 * lone message waits only for the end of its turn. Nothing waits behind a request in flight,
 * so a record leaves when its caller's deadline has only just started (a message answered 503
 * is not written later). A failed request fails every record in it.
 */
export class TurnBatchedWrites {
  #waiting: Waiting[] = [];

  constructor(private readonly write: (records: readonly OutgoingRecord[]) => Promise<void>) {}

  send(record: OutgoingRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#waiting.length === 0) setImmediate(() => void this.#flush());
      this.#waiting.push({ record, resolve, reject });
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#waiting;
    this.#waiting = [];
    try {
      await this.write(batch.map(({ record }) => record));
    } catch (error) {
      for (const { reject } of batch) reject(error);
      return;
    }
    for (const { resolve } of batch) resolve();
  }
}
