import type { Namespace, Socket } from 'socket.io';

/** A Redis stream entry id, `<ms>-<sequence>`: the offset Socket.IO appends to every broadcast packet it keeps. */
const STREAM_OFFSET = /^(\d+)-(\d+)$/;

/** The adapter internals this module wraps; checked at start, so that an upgrade that changes them fails loudly. */
interface AdapterInternals {
  restoreSession(pid: string, offset: string): Promise<{ data?: unknown; missedPackets: unknown[][] } | null | undefined>;
  _encode(packet: { data?: unknown }, options: unknown): unknown;
  apply(options: unknown, callback: (socket: Socket) => void): void;
}

/** What a recovered socket was already sent: everything up to its offset, and the packets replayed to it. */
interface ReplayMark {
  recovery?: { offset: string; replayed: string[] };
}

function compareOffsets(left: string, right: string): number {
  const [, leftMs = '0', leftSeq = '0'] = STREAM_OFFSET.exec(left) ?? [];
  const [, rightMs = '0', rightSeq = '0'] = STREAM_OFFSET.exec(right) ?? [];
  return Number(BigInt(leftMs) - BigInt(rightMs) || BigInt(leftSeq) - BigInt(rightSeq));
}

function offsetOf(data: unknown): string | undefined {
  if (!Array.isArray(data)) return undefined;
  const last: unknown = data.at(-1);
  return typeof last === 'string' && STREAM_OFFSET.test(last) ? last : undefined;
}

/**
 * A recovered client receives each event once. When a session is restored, the Redis streams
 * adapter replays what the stream holds after the client's offset, up to its end, for the
 * client's rooms; this replica's stream reader may still be behind that end, and would then
 * send the same entries again once the restored socket is in its rooms. The offsets of the
 * replayed packets and the client's own offset are kept with the socket; live broadcasts of
 * those packets, or of entries up to that offset (received before the connection broke), are
 * not written to it. An entry after the offset that was not replayed (the client subscribed to
 * its room after recovering) still is. The mark goes once the reader is past the replay.
 */
export function deduplicateReplays(namespace: Namespace): void {
  const adapter = namespace.adapter as unknown as AdapterInternals;
  if (typeof adapter.restoreSession !== 'function' || typeof adapter._encode !== 'function' || typeof adapter.apply !== 'function') {
    throw new Error('socket.io-adapter internals changed: recovered clients could receive events twice');
  }

  // Sockets holding a mark: while there are none, broadcasts go straight to the adapter. (One
  // that disconnects before its mark goes keeps the count up: broadcasts just take the checked path.)
  let marks = 0;
  const restoreSession = adapter.restoreSession.bind(adapter);
  adapter.restoreSession = async (pid, offset) => {
    const session = await restoreSession(pid, offset);
    if (session === null || session === undefined) return session;
    const replayed = session.missedPackets.map(offsetOf).filter((entry): entry is string => entry !== undefined);
    // Socket.IO gives the restored socket this object as its `data`.
    session.data = { ...(session.data as object | undefined), recovery: { offset, replayed } } satisfies ReplayMark;
    marks += 1;
    return session;
  };

  // Looked up for every broadcast while a socket holds a mark: a set per mark, built once.
  const replayedSets = new WeakMap<string[], Set<string>>();
  const replayedSet = (replayed: string[]): Set<string> => {
    let set = replayedSets.get(replayed);
    if (set === undefined) replayedSets.set(replayed, (set = new Set(replayed)));
    return set;
  };

  // A broadcast encodes its packet, then applies the write to each socket of its rooms, synchronously.
  let broadcastOffset: string | undefined;
  const encode = adapter._encode.bind(adapter);
  adapter._encode = (packet, options) => {
    broadcastOffset = offsetOf(packet.data);
    return encode(packet, options);
  };
  const apply = adapter.apply.bind(adapter);
  adapter.apply = (options, callback) => {
    const offset = broadcastOffset;
    broadcastOffset = undefined;
    if (offset === undefined || marks === 0) {
      apply(options, callback);
      return;
    }
    apply(options, (socket) => {
      const mark = socket.data as ReplayMark | undefined;
      const recovery = mark?.recovery;
      if (recovery !== undefined) {
        // The client received it before its connection broke, or in the replay.
        if (compareOffsets(offset, recovery.offset) <= 0 || replayedSet(recovery.replayed).has(offset)) return;
        // Past the replay: the reader has caught up for this socket.
        if (compareOffsets(offset, recovery.replayed.at(-1) ?? recovery.offset) > 0) {
          delete mark!.recovery;
          marks -= 1;
        }
      }
      callback(socket);
    });
  };
}
