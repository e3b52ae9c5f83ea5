import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Socket } from 'socket.io';
import type { GatewayConfig } from '../config.js';
import { ClientLimits } from './client-limits.js';

const config = { socket: { maxBufferedPackets: 3, maxSubscriptions: 2 } } as unknown as GatewayConfig;

/** An Engine.IO connection as ClientLimits sees it: its events, its state, its close. */
function fakeSocket() {
  const connection = Object.assign(new EventEmitter(), { readyState: 'open', transport: { name: 'websocket' }, closed: 0, close: () => void (connection.closed += 1) });
  return { socket: { id: 'id-1', conn: connection } as unknown as Socket, connection };
}

describe('ClientLimits', () => {
  it('closes a connection once more packets wait than the bound, and counts it', async () => {
    const registry = new Registry();
    const limits = new ClientLimits(config, registry, pino({ level: 'silent' }));
    const { socket, connection } = fakeSocket();
    limits.watch(socket);
    for (let packet = 0; packet < 3; packet += 1) connection.emit('packetCreate');
    connection.emit('flush');
    for (let packet = 0; packet < 3; packet += 1) connection.emit('packetCreate');
    assert.equal(connection.closed, 0, 'a client that reads is never closed');
    connection.emit('packetCreate');
    assert.equal(connection.closed, 1);
    const metric = await registry.getSingleMetric('flowcast_gateway_clients_disconnected_total')!.get();
    assert.equal(metric.values.find((sample) => sample.labels['reason'] === 'slow')?.value, 1);
  });

  it('lets a connection hold at most maxSubscriptions subscriptions, and subscribe again to one it holds', () => {
    const limits = new ClientLimits(config, new Registry(), pino({ level: 'silent' }));
    assert.equal(limits.maySubscribe([], 'upload:a'), true);
    assert.equal(limits.maySubscribe(['upload:a'], 'upload:b'), true);
    assert.equal(limits.maySubscribe(['upload:a', 'upload:b'], 'upload:c'), false);
    assert.equal(limits.maySubscribe(['upload:a', 'upload:b'], 'upload:a'), true);
  });
});
