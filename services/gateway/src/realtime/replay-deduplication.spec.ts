import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Namespace } from 'socket.io';
import { deduplicateReplays } from './replay-deduplication.js';

interface FakeSocket {
  data: Record<string, unknown>;
  received: unknown[][];
}

/**
 * The adapter as the Redis streams adapter behaves: a restored session replays the stream's
 * entries after the client's offset, and each live broadcast encodes its packet (data ending with
 * the entry's offset) and then writes it to every socket, synchronously.
 */
class StreamAdapter {
  readonly sockets: FakeSocket[] = [];

  constructor(private readonly stream: unknown[][]) {}

  async restoreSession(_pid: string, offset: string) {
    const after = this.stream.findIndex((packet) => packet.at(-1) === offset) + 1;
    return { data: { rooms: ['uploads'] }, missedPackets: this.stream.slice(after) };
  }

  _encode(packet: { data?: unknown }): unknown {
    return packet;
  }

  apply(_options: unknown, callback: (socket: FakeSocket) => void): void {
    for (const socket of this.sockets) callback(socket);
  }

  broadcast(data: unknown[]): void {
    this._encode({ data });
    this.apply({}, (socket) => socket.received.push(data));
  }
}

const entries = [
  ['processing-started', { logId: 'a' }, '1700000000000-0'],
  ['processing-completed', { logId: 'a' }, '1700000000000-1'],
  ['processing-started', { logId: 'b' }, '1700000000001-0'],
];

async function restoredSocket(adapter: StreamAdapter, offset: string): Promise<FakeSocket> {
  const session = await adapter.restoreSession('pid', offset);
  const socket = { data: session?.data as Record<string, unknown>, received: [...(session?.missedPackets ?? [])] };
  adapter.sockets.push(socket);
  return socket;
}

describe('deduplicateReplays', () => {
  it('does not send a recovered socket again what its session replay sent, and sends what follows', async () => {
    const adapter = new StreamAdapter(entries);
    deduplicateReplays({ adapter } as unknown as Namespace);
    const socket = await restoredSocket(adapter, '1700000000000-0');
    assert.deepEqual(socket.received, entries.slice(1), 'the replay');
    assert.deepEqual(socket.data.rooms, ['uploads'], 'the session data is kept');

    // This replica's stream reader was behind: it now delivers entries the replay already sent.
    for (const entry of entries) adapter.broadcast(entry);
    const next = ['processing-completed', { logId: 'b' }, '1700000000001-1'];
    adapter.broadcast(next);

    assert.deepEqual(socket.received, [...entries.slice(1), next]);
    assert.equal(socket.data.recovery, undefined, 'the mark goes once the reader has passed it');
  });

  it('leaves other sockets and broadcasts without an offset alone', async () => {
    const adapter = new StreamAdapter(entries);
    deduplicateReplays({ adapter } as unknown as Namespace);
    const live: FakeSocket = { data: {}, received: [] };
    adapter.sockets.push(live);
    const recovered = await restoredSocket(adapter, '1700000000001-0');
    const volatile = ['stats-updated', { totalReceived: 3 }];
    for (const entry of [...entries, volatile]) adapter.broadcast(entry);

    assert.deepEqual(live.received, [...entries, volatile]);
    assert.deepEqual(recovered.received, [volatile], 'nothing was missed: nothing replayed, nothing up to its offset sent again');
  });

  it('sends an entry the replay did not include (a room joined after recovering)', async () => {
    const adapter = new StreamAdapter(entries);
    // The session's rooms held only the first message's events: the second's were not replayed.
    adapter.restoreSession = async () => ({ data: { rooms: ['log:a'] }, missedPackets: entries.slice(0, 2) });
    deduplicateReplays({ adapter } as unknown as Namespace);
    const socket = await restoredSocket(adapter, '1699999999999-0');
    for (const entry of entries) adapter.broadcast(entry);

    assert.deepEqual(socket.received, [...entries.slice(0, 2), entries[2]]);
  });

  it('fails at start when the adapter lacks the internals it wraps', () => {
    assert.throws(() => deduplicateReplays({ adapter: {} } as unknown as Namespace), /internals changed/);
  });
});
