import { ProduceAcks, Producer, stringSerializer } from '@platformatic/kafka';

/**
 * The producer settings every baseline shares with Flowcast's JsonProducer: @platformatic/kafka,
 * acks=all, idempotent, text keys and headers, values serialised by the caller. What differs per
 * use (retries, transactions) each baseline states where it creates one.
 */
export function baselineProducer(
  clientId: string,
  options: { retries: number; retryDelay: number; transactionalId?: string; timeout?: number },
): Producer<string, Buffer, string, string> {
  return new Producer<string, Buffer, string, string>({
    clientId,
    bootstrapBrokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','),
    serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
    acks: ProduceAcks.ALL,
    idempotent: true,
    ...options,
  });
}
