import { Admin, Connection, consumerGroupDescribeV0, FindCoordinatorKeyTypes } from '@platformatic/kafka';
import type { KafkaConfig } from '../config/shared-environment.js';
import { baseClientOptions } from './client-options.js';

/**
 * Counts the live members of a consumer group, whichever protocol it uses. Groups on the
 * KIP-848 `consumer` protocol are only visible through ConsumerGroupDescribe, which the
 * admin client does not wrap, so this asks the group coordinator directly.
 */
export class GroupMembersProbe {
  readonly #admin: Admin;
  readonly #kafka: KafkaConfig;
  #connection: { address: string; connection: Connection } | undefined;

  constructor(kafka: KafkaConfig) {
    this.#kafka = kafka;
    this.#admin = new Admin(baseClientOptions(kafka, 'group-probe'));
  }

  async countMembers(groupId: string): Promise<number> {
    if (this.#kafka.groupProtocol === 'classic') {
      const groups = await this.#admin.describeGroups({ groups: [groupId] });
      return groups.get(groupId)?.members.size ?? 0;
    }
    const [coordinator] = await this.#admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [groupId] });
    if (coordinator === undefined) return 0;
    const connection = await this.#connectionTo(coordinator.host, coordinator.port);
    try {
      const response = await consumerGroupDescribeV0.api.async(connection, [groupId], false);
      return response.groups[0]?.members.length ?? 0;
    } catch (error) {
      if (isGroupNotFound(error)) return 0;
      await this.#dropConnection();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#dropConnection();
    await this.#admin.close();
  }

  async #connectionTo(host: string, port: number): Promise<Connection> {
    const address = `${host}:${port}`;
    if (this.#connection?.address === address) return this.#connection.connection;
    await this.#dropConnection();
    const { clientId, ...connectionOptions } = baseClientOptions(this.#kafka, 'group-probe');
    const connection = new Connection(clientId, connectionOptions);
    await connection.connect(host, port);
    this.#connection = { address, connection };
    return connection;
  }

  async #dropConnection(): Promise<void> {
    const current = this.#connection;
    this.#connection = undefined;
    if (current !== undefined) await current.connection.close().catch(() => undefined);
  }
}

function isGroupNotFound(error: unknown): boolean {
  const response = (error as { response?: { groups?: Array<{ errorCode: number }> } }).response;
  // 69 = GROUP_ID_NOT_FOUND: a group with no members yet.
  return response?.groups?.every((group) => group.errorCode === 69 || group.errorCode === 0) ?? false;
}
