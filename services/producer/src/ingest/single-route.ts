import type { FastifyInstance } from 'fastify';
import { INGEST_ROUTES, type SingleAccepted } from '@flowcast/common/contracts';
import type { IngestService } from './ingest.service.js';
import { parseSingleBody } from './single-body.js';

/**
 * `POST /producers/send/single`: one JSON object → one Kafka message; 202 once Kafka has
 * acknowledged it. The producer's hot path, so a Fastify route rather than a Nest handler:
 * Nest's router adds its parameter, pipe and response layers, about 2 µs of CPU per request
 * and 4 % of the single messages per second (docs/performance.md, change 26). Nothing else
 * differs: the edge's route hooks apply to it as to every ingest route, and what it throws
 * reaches the same exception filter (Nest makes the filters Fastify's error handler).
 */
export function registerSingleRoute(fastify: FastifyInstance, ingest: IngestService): void {
  fastify.post(INGEST_ROUTES.single, async (request, reply): Promise<SingleAccepted> => {
    const accepted = await ingest.acceptSingle(parseSingleBody(request.body, request.headers['content-type']));
    void reply.code(202);
    return accepted;
  });
}
