import { FlowcastError } from '../contracts/errors.js';

const UNAVAILABLE_KAFKA_CODES = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT']);

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/**
 * True when the error means "the cluster cannot serve this right now" (unreachable brokers,
 * timeouts, a coordinator still loading or moving), as opposed to a request it refuses.
 */
export function isKafkaUnavailable(error: unknown): boolean {
  if (error instanceof FlowcastError) return error.code === 'KAFKA_UNAVAILABLE';
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.every(isKafkaUnavailable);
  const code = codeOf(error);
  if (code === 'PLT_KFK_PROTOCOL') return (error as { canRetry?: unknown }).canRetry === true;
  return code !== undefined && (UNAVAILABLE_KAFKA_CODES.has(code) || code === 'ECONNREFUSED' || code === 'ETIMEDOUT');
}

/** Resolves like `work`, or rejects with KAFKA_UNAVAILABLE once `timeoutMs` has passed. */
export async function withKafkaDeadline<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new FlowcastError('KAFKA_UNAVAILABLE', `Kafka did not acknowledge ${what} within ${timeoutMs} ms`, { transient: true })),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } catch (error) {
    if (isKafkaUnavailable(error) && !(error instanceof FlowcastError)) {
      throw new FlowcastError('KAFKA_UNAVAILABLE', `Kafka is unavailable: ${what} failed`, { cause: error, transient: true });
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
