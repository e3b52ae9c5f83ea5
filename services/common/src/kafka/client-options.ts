import type { BaseOptions } from '@platformatic/kafka';
import type { KafkaConfig } from '../config/shared-environment.js';

/** Options every Kafka client of a service shares: brokers, identity, security, timeouts. */
export function baseClientOptions(config: KafkaConfig, role: string): BaseOptions {
  return {
    clientId: `${config.clientId}-${role}`,
    bootstrapBrokers: config.brokers,
    connectTimeout: config.connectTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    timeout: config.requestTimeoutMs,
    ...(config.sasl === undefined ? {} : { sasl: config.sasl }),
    ...(config.tls === undefined ? {} : { tls: config.tls }),
  };
}
