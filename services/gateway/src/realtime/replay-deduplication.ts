import type { Namespace, Socket } from 'socket.io';

/** A Redis stream entry id, `<ms>-<sequence>`: the offset Socket.IO appends to every broadcast packet it keeps. */
const STREAM_OFFSET = /^(\d+)-(\d+)$/;

/** The adapter internals this module wraps; checked at start, so that an upgrade that changes them fails loudly. */
interface AdapterInternals {
  restoreSession(pid: string, offset: string): Promise<{ data?: unknown; missedPackets: unknown[][] } | null | undefined>;
  _encode(packet: { data?: unknown }, options: unknown): unknown;
  apply(options: unknown, callback: (socket: Socket) => void): void;
}

/** What a recovered socket was already sent: the offset of the last packet replayed to it. */
interface ReplayMark {
  replayedThrough?: string;
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
 * adapter replays what the stream holds after the client's offset, up to its end; this replica's
 * stream reader may still be behind that end, and would then send the same entries again once
 * the restored socket is in its rooms. The offset of the last replayed packet is kept with the
 * socket, and live broadcasts up to it are not written to that socket.
 */
export function deduplicateReplays(namespace: Namespace): void {
  const adapter = namespace.adapter as unknown as AdapterInternals;
  if (typeof adapter.restoreSession !== 'function' || typeof adapter._encode !== 'function' || typeof adapter.apply !== 'function') {
    throw new Error('socket.io-adapter internals changed: recovered clients could receive events twice');
  }

  const restoreSession = adapter.restoreSession.bind(adapter);
  adapter.restoreSession = async (pid, offset) => {
    const session = await restoreSession(pid, offset);
    if (session === null || session === undefined) return session;
    const replayedThrough = offsetOf(session.missedPackets.at(-1)) ?? offset;
    // Socket.IO gives the restored socket this object as its `data`.
    session.data = { ...(session.data as object | undefined), replayedThrough } satisfies ReplayMark;
    return session;
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
    if (offset === undefined) {
      apply(options, callback);
      return;
    }
    apply(options, (socket) => {
      const mark = socket.data as ReplayMark | undefined;
      if (mark?.replayedThrough !== undefined) {
        if (compareOffsets(offset, mark.replayedThrough) <= 0) return;
        // Past the replay: the reader has caught up for this socket.
        delete mark.replayedThrough;
      }
      callback(socket);
    });
  };
}
