import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { LatencyHistogram } from './stats.js';

/**
 * HTTP load comes from undici's Pool: keep-alive connections, one request in flight on each,
 * and `request()`, the leanest client API in Node. On two cores the load generator competes
 * with the server it measures: `fetch` costs several times more CPU per request (WHATWG
 * streams, Headers, Response objects) and would measure itself as much as the server.
 * Flowcast and its baseline face the same generator, so their ratio stays fair.
 */
export function keepAlivePool(url: string, connections: number): Pool {
  return new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000 });
}

export interface LoadResult {
  /** Requests answered with the expected status. */
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  elapsedMs: number;
  latency: LatencyHistogram;
}

/**
 * Closed loop: `concurrency` senders, each sending its next request as soon as the previous
 * one is answered, for `durationMs`. The throughput a server sustains at that concurrency.
 */
export async function closedLoop(
  pool: Pool,
  request: { path: string; headers: Record<string, string>; body: (index: number) => string; expectStatus: number },
  concurrency: number,
  durationMs: number,
): Promise<LoadResult> {
  const result: LoadResult = { ok: 0, errors: 0, statuses: {}, elapsedMs: 0, latency: new LatencyHistogram() };
  const started = performance.now();
  const deadline = started + durationMs;
  let index = 0;
  const sender = async () => {
    while (performance.now() < deadline) {
      const sentAt = performance.now();
      try {
        const response = await pool.request({ method: 'POST', path: request.path, headers: request.headers, body: request.body(index++) });
        await response.body.dump();
        result.statuses[response.statusCode] = (result.statuses[response.statusCode] ?? 0) + 1;
        if (response.statusCode === request.expectStatus) {
          result.ok += 1;
          result.latency.record(performance.now() - sentAt);
        } else {
          result.errors += 1;
        }
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'error';
        result.statuses[code] = (result.statuses[code] ?? 0) + 1;
        result.errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  result.elapsedMs = performance.now() - started;
  return result;
}

export interface ArrivalResult {
  started: number;
  /** Arrivals not started because `maxInFlight` requests were still waiting: the server fell behind. */
  dropped: number;
  /** Largest delay between an arrival's planned time and its start (the generator's own lag). */
  maxStartLagMs: number;
}

/**
 * Open loop: starts `send(index, plannedAt)` at `ratePerSecond`, on schedule whatever the
 * latency (as k6's constant-arrival-rate does), so that a slow server cannot slow the arrivals
 * and hide its own latency. Latency should be taken from `plannedAt`.
 */
export async function constantArrivals(ratePerSecond: number, durationMs: number, maxInFlight: number, send: (index: number, plannedAt: number) => Promise<void>): Promise<ArrivalResult> {
  const result: ArrivalResult = { started: 0, dropped: 0, maxStartLagMs: 0 };
  const total = Math.round((ratePerSecond * durationMs) / 1000);
  const intervalMs = 1000 / ratePerSecond;
  const begin = performance.now();
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  for (let index = 0; index < total; index += 1) {
    const plannedAt = begin + index * intervalMs;
    const wait = plannedAt - performance.now();
    if (wait > 1) await sleep(wait);
    result.maxStartLagMs = Math.max(result.maxStartLagMs, performance.now() - plannedAt);
    if (inFlight >= maxInFlight) {
      result.dropped += 1;
      continue;
    }
    inFlight += 1;
    result.started += 1;
    const request = send(index, plannedAt).finally(() => {
      inFlight -= 1;
      pending.delete(request);
    });
    pending.add(request);
  }
  await Promise.allSettled([...pending]);
  return result;
}
