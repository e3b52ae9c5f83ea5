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

/** Node.js TLS error codes that mean "the brokers' certificate is not one we trust". */
const UNTRUSTED_CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A Kafka failure that configuration causes and only configuration fixes, said without the
 * brokers' addresses (safe for `/readyz`): refused credentials, or an untrusted certificate.
 * Undefined for anything else (unreachable, timeouts).
 */
export function kafkaConfigurationProblem(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const walk = (current: unknown): string | undefined => {
    if (typeof current !== 'object' || current === null || seen.has(current)) return undefined;
    seen.add(current);
    const code = codeOf(current);
    if (code === 'PLT_KFK_AUTHENTICATION') {
      return 'SASL authentication failed: the brokers refused KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD (or KAFKA_SASL_MECHANISM)';
    }
    if (code !== undefined && UNTRUSTED_CERTIFICATE_CODES.has(code)) {
      return `TLS: the brokers' certificate is not trusted (${code}): set KAFKA_TLS_CA_FILE to the CA that signed it`;
    }
    const nested = [...(current instanceof AggregateError ? current.errors : []), (current as { cause?: unknown }).cause];
    for (const inner of nested) {
      const found = walk(inner);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(error);
}
