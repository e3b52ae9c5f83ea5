import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP load balancer in front of gateway replicas, as a Kubernetes Service is: each new
 * connection goes to the next backend that accepts it. A WebSocket stays on its replica, so a
 * client moves only when its connection breaks.
 */
export class TcpBalancer {
  readonly #server: Server;
  readonly #pairs = new Set<{ client: Socket; backend: Socket; port: number }>();
  readonly #drained = new Set<number>();
  #next = 0;

  private constructor(private readonly backends: () => readonly number[]) {
    this.#server = createServer((client) => this.#route(client, 0));
  }

  static async start(backends: () => readonly number[]): Promise<TcpBalancer> {
    const balancer = new TcpBalancer(backends);
    await new Promise<void>((resolve) => balancer.#server.listen(0, '127.0.0.1', resolve));
    return balancer;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Connections open to each backend port. */
  connectionsTo(port: number): number {
    return [...this.#pairs].filter((pair) => pair.port === port).length;
  }

  /** Sends no new connection to a backend (until `undrain`), as a Service does with an unready pod. */
  drain(port: number): void {
    this.#drained.add(port);
  }

  undrain(port: number): void {
    this.#drained.delete(port);
  }

  /** Breaks every connection to a backend, as a network failure would (both ends see it close). */
  dropConnectionsTo(port: number): void {
    for (const pair of this.#pairs) {
      if (pair.port !== port) continue;
      pair.client.destroy();
      pair.backend.destroy();
    }
  }

  async close(): Promise<void> {
    for (const { client, backend } of this.#pairs) {
      client.destroy();
      backend.destroy();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #route(client: Socket, tried: number): void {
    const ports = this.backends().filter((port) => !this.#drained.has(port));
    if (tried >= ports.length || ports.length === 0) {
      client.destroy();
      return;
    }
    const port = ports[this.#next++ % ports.length]!;
    client.pause();
    const backend = createConnection({ host: '127.0.0.1', port });
    backend.once('error', () => {
      if (pair === undefined) this.#route(client, tried + 1);
    });
    let pair: { client: Socket; backend: Socket; port: number } | undefined;
    backend.once('connect', () => {
      pair = { client, backend, port };
      this.#pairs.add(pair);
      const end = () => {
        this.#pairs.delete(pair!);
        client.destroy();
        backend.destroy();
      };
      client.on('error', end).on('close', end);
      backend.on('error', end).on('close', end);
      client.pipe(backend);
      backend.pipe(client);
      client.resume();
    });
  }
}
