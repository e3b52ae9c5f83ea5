import { randomUUID } from 'node:crypto';
import type { LifecycleEvent } from '@flowcast/common/contracts';

const STEPS = ['message-received', 'processing-started', 'processing-completed'] as const;

/**
 * The lifecycle events the fan-out scenario broadcasts, as a worker would write them: each
 * message's three steps in order, then the next message. `timestamp` is the moment of emission,
 * so that a client's delay is measured from it. Flowcast gets them through message-events; the
 * bare server emits the very same sequence itself.
 */
export class LifecycleSequence {
  #logId = randomUUID();
  #step = 0;

  next(now = new Date()): LifecycleEvent {
    if (this.#step === STEPS.length) {
      this.#logId = randomUUID();
      this.#step = 0;
    }
    const type = STEPS[this.#step]!;
    this.#step += 1;
    const base = { logId: this.#logId, timestamp: now.toISOString(), dataType: 'SINGLE_MESSAGE' as const, consumerId: 'bench', producedAt: now.toISOString(), rowCount: 1 };
    switch (type) {
      case 'message-received':
      case 'processing-started':
        return { type, ...base };
      case 'processing-completed':
        return { type, ...base, durationMs: 0, attempts: 1 };
    }
  }
}

/** Names of the Socket.IO events a fan-out client counts. */
export const BROADCAST_EVENTS: readonly string[] = STEPS;
