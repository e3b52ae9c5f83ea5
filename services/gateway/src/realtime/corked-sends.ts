import type { Server } from 'socket.io';

/** What this module touches of an Engine.IO transport (`engine.io`'s `Transport`). */
interface EngineTransport {
  name: string;
  send(packets: unknown[]): void;
  /** For the WebSocket transport, the `ws` WebSocket; `_socket` is its TCP socket. */
  socket?: { _socket?: { cork(): void; uncork(): void } };
}

/** What this module touches of an Engine.IO connection (`engine.io`'s `Socket`). */
interface EngineConnection {
  transport: EngineTransport;
  on(event: 'upgrade', listener: (transport: EngineTransport) => void): void;
}

/**
 * Sends each hand-over of packets to a WebSocket client in one system call.
 *
 * Engine.IO writes one packet to a WebSocket at once and keeps what follows in the connection's
 * write buffer until that write is done; it then hands the transport everything that waited,
 * and the transport writes each packet as its own frame: one `write` system call per frame and
 * client. When events come in bursts (the streams adapter reads up to a hundred at a time; a CSV
 * upload's events; a gateway catching up), that is most of the gateway's time at thousands of
 * clients. Corking the TCP socket for the length of one hand-over sends the same frames, in the
 * same order, in one `writev`. Polling needs nothing: it already sends a hand-over as one payload.
 */
export function corkWebSocketSends(server: Server): void {
  server.engine.on('connection', (connection: EngineConnection) => {
    corkTransport(connection.transport);
    connection.on('upgrade', corkTransport);
  });
}

function corkTransport(transport: EngineTransport): void {
  if (transport.name !== 'websocket') return;
  const tcp = transport.socket?._socket;
  if (tcp === undefined) return;
  const send = transport.send.bind(transport);
  transport.send = (packets) => {
    if (packets.length < 2) {
      send(packets);
      return;
    }
    tcp.cork();
    try {
      send(packets);
    } finally {
      tcp.uncork();
    }
  };
}
