import { Controller, Get, Header, Inject, RequestMethod, Res } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import { FlowcastError, HTTP_STATUS_BY_ERROR_CODE, errorBodySchema, type ErrorCode } from '../contracts/errors.js';
import { jsonSchemaOf } from '../contracts/json-schema.js';

/** The machine-readable descriptions a service serves under `/docs`. */
export interface ApiDocuments {
  /** OpenAPI 3.1 document of this service's own HTTP endpoints. */
  openapi: OpenApiDocument;
  /** AsyncAPI 3 document, served by the service that owns the events it describes. */
  asyncapi?: Record<string, unknown>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, { summary?: string; tags?: string[]; responses?: Record<string, unknown>; [key: string]: unknown }>>;
  [key: string]: unknown;
}

export const API_DOCUMENTS = Symbol('flowcast.api-documents');

/** The paths this controller answers; every service's OpenAPI document lists them too. */
export const DOCS_ROUTES = { page: '/docs', openapi: '/docs/openapi.json', asyncapi: '/docs/asyncapi.json' } as const;

/**
 * `/docs`: a readable page of the service's HTTP API, and the documents themselves as JSON.
 * The documents are built from the contract schemas when the service starts, so what is
 * served is what the code validates.
 */
@Controller('docs')
export class ApiDocsController {
  readonly #page: string;

  constructor(@Inject(API_DOCUMENTS) private readonly documents: ApiDocuments) {
    this.#page = renderDocsPage(documents);
  }

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return this.#page;
  }

  @Get('openapi.json')
  openapi(): OpenApiDocument {
    return this.documents.openapi;
  }

  @Get('asyncapi.json')
  async asyncapi(@Res() reply: FastifyReply): Promise<void> {
    if (this.documents.asyncapi === undefined) {
      throw new FlowcastError('NOT_FOUND', 'This service publishes no events: the AsyncAPI document is served by the gateway');
    }
    await reply.type('application/json; charset=utf-8').send(this.documents.asyncapi);
  }
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function renderDocsPage({ openapi, asyncapi }: ApiDocuments): string {
  const rows = Object.entries(openapi.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method] !== undefined).map((method) => {
      const operation = item[method]!;
      const statuses = Object.keys(operation.responses ?? {}).join(' ');
      return `<tr><td class="m ${method}">${method.toUpperCase()}</td><td><code>${escape(path)}</code></td><td>${escape(operation.summary ?? '')}</td><td class="s">${escape(statuses)}</td></tr>`;
    }),
  );
  const events = asyncapi === undefined ? '' : renderEvents(asyncapi);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(openapi.info.title)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f7fb;color:#1c2333}
main{max-width:980px;margin:0 auto;padding:32px 24px}
h1{margin:0 0 4px;font-size:24px}h2{margin-top:32px;font-size:18px}
p.lead{color:#5b6478;margin:0 0 16px}
a{color:#4f46e5}
table{width:100%;border-collapse:collapse;background:#fff;border-radius:10px;overflow:hidden;box-shadow:0 1px 3px rgba(20,30,60,.08)}
td,th{padding:10px 12px;border-bottom:1px solid #eceef4;text-align:left;vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#5b6478;background:#fafbfd}
td.m{font:600 12px ui-monospace,monospace;width:64px}td.get{color:#0f766e}td.post{color:#b45309}
td.s{font:12px ui-monospace,monospace;color:#5b6478;white-space:nowrap}
code{font:13px ui-monospace,monospace}
</style></head><body><main>
<h1>${escape(openapi.info.title)} <small>${escape(openapi.info.version)}</small></h1>
<p class="lead">${escape(openapi.info.description ?? '')}</p>
<p>Machine-readable: <a href="${DOCS_ROUTES.openapi}">OpenAPI 3.1 (JSON)</a>${
    asyncapi === undefined ? '' : ` · <a href="${DOCS_ROUTES.asyncapi}">AsyncAPI 3 (JSON)</a>`
  }</p>
<h2>HTTP endpoints</h2>
<table><tr><th>Method</th><th>Path</th><th>What it does</th><th>Responses</th></tr>${rows.join('')}</table>
${events}
</main></body></html>`;
}

function renderEvents(asyncapi: Record<string, unknown>): string {
  const operations = (asyncapi['operations'] ?? {}) as Record<string, { action?: string; summary?: string; channel?: { $ref?: string } }>;
  const rows = Object.entries(operations).map(
    ([id, operation]) =>
      `<tr><td class="m">${escape(operation.action ?? '')}</td><td><code>${escape(id)}</code></td><td>${escape(operation.summary ?? '')}</td><td class="s">${escape(
        (operation.channel?.$ref ?? '').replace('#/channels/', ''),
      )}</td></tr>`,
  );
  return `<h2>Events (Socket.IO and Kafka)</h2>
<table><tr><th>Action</th><th>Operation</th><th>What it carries</th><th>Channel</th></tr>${rows.join('')}</table>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** Pieces every service's OpenAPI document shares. */
export const openApi = {
  /** A JSON response whose body is the given (generated) JSON Schema. */
  json(description: string, schema: Record<string, unknown>): Record<string, unknown> {
    return { description, content: { 'application/json': { schema } } };
  },

  /** Error responses: the one error body, and which codes each status carries. */
  errors(codes: readonly ErrorCode[]): Record<string, unknown> {
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of codes) byStatus.set(HTTP_STATUS_BY_ERROR_CODE[code], [...(byStatus.get(HTTP_STATUS_BY_ERROR_CODE[code]) ?? []), code]);
    return Object.fromEntries(
      [...byStatus].map(([status, listed]) => [
        String(status),
        {
          description: `Error body with code ${listed.join(', ')}`,
          ...(ERROR_HEADERS[status] === undefined ? {} : { headers: ERROR_HEADERS[status] }),
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
        },
      ]),
    );
  },

  /** `components` with the error body every error response refers to, and the security schemes used. */
  components(securitySchemes: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      schemas: { ErrorBody: jsonSchemaOf(errorBodySchema) },
      ...(Object.keys(securitySchemes).length === 0 ? {} : { securitySchemes }),
    };
  },

  /**
   * An operation's `security`: any one of `schemes`; when `required` is false, none too (`{}`),
   * for credentials that only some deployments ask for.
   */
  security(schemes: readonly string[], required: boolean): Array<Record<string, string[]>> {
    return [...(required ? [] : [{}]), ...schemes.map((scheme) => ({ [scheme]: [] }))];
  },

  /** `/healthz`, `/readyz`, `/metrics`: the operations endpoints of every service. */
  operationsPaths(): OpenApiDocument['paths'] {
    return {
      '/healthz': {
        get: {
          summary: 'Liveness: the process runs',
          tags: ['operations'],
          responses: { '200': openApi.json('Alive', { type: 'object', properties: { status: { const: 'ok' } }, required: ['status'] }) },
        } as OpenApiOperation,
      },
      '/readyz': {
        get: {
          summary: 'Readiness: every dependency answers and the service is not stopping',
          tags: ['operations'],
          responses: { '200': openApi.json('Ready', READINESS_SCHEMA), '503': openApi.json('Not ready or stopping', READINESS_SCHEMA) },
        } as OpenApiOperation,
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (text exposition format), names prefixed flowcast_',
          tags: ['operations'],
          responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
        } as OpenApiOperation,
      },
    };
  },

  /** `/docs` and the documents it links to. */
  docsPaths({ asyncapi }: { asyncapi: boolean }): OpenApiDocument['paths'] {
    const document = { type: 'object', additionalProperties: true };
    return {
      [DOCS_ROUTES.page]: {
        get: {
          summary: 'This API, as a page',
          tags: ['docs'],
          responses: { '200': { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } } },
        } as OpenApiOperation,
      },
      [DOCS_ROUTES.openapi]: {
        get: { summary: 'This OpenAPI document', tags: ['docs'], responses: { '200': openApi.json('OpenAPI 3.1 document', document) } } as OpenApiOperation,
      },
      [DOCS_ROUTES.asyncapi]: {
        get: {
          summary: asyncapi ? 'The AsyncAPI 3 document of the Socket.IO events and Kafka topics' : 'Not here: the gateway serves the AsyncAPI document',
          tags: ['docs'],
          responses: asyncapi ? { '200': openApi.json('AsyncAPI 3 document', document) } : openApi.errors(['NOT_FOUND']),
        } as OpenApiOperation,
      },
    };
  },
};

type OpenApiOperation = OpenApiDocument['paths'][string][string];

const SECONDS = { schema: { type: 'integer', minimum: 1 } };
/** Headers that go with some error statuses. */
const ERROR_HEADERS: Record<number, Record<string, unknown>> = {
  401: { 'WWW-Authenticate': { description: 'Bearer realm="flowcast" (with error="invalid_token" when the credential was refused)', schema: { type: 'string' } } },
  429: { 'Retry-After': { description: 'Seconds until the rate limit lets this client in again', ...SECONDS } },
  503: { 'Retry-After': { description: 'Seconds to wait before retrying', ...SECONDS } },
};

const READINESS_SCHEMA = {
  type: 'object',
  properties: {
    status: { enum: ['ready', 'not-ready', 'stopping'] },
    checks: { type: 'object', additionalProperties: { type: 'string', description: '"ok" or why the dependency is not usable' } },
  },
  required: ['status', 'checks'],
};

/**
 * The routes Nest controllers declare, as `METHOD /path/{param}` (OpenAPI's spelling), so that
 * a test can hold them against a document's paths.
 */
export function declaredRoutes(controllers: ReadonlyArray<abstract new (...args: never[]) => unknown>): string[] {
  const routes: string[] = [];
  for (const controller of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (typeof handler !== 'function' || !Reflect.hasMetadata(METHOD_METADATA, handler)) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const path = `/${[base, String(Reflect.getMetadata(PATH_METADATA, handler) ?? '')].join('/')}`
        .replace(/\/+/g, '/')
        .replace(/(.)\/$/, '$1')
        .replace(/:(\w+)/g, '{$1}');
      routes.push(`${method} ${path}`);
    }
  }
  return routes.sort();
}

/** The operations an OpenAPI document lists, as `METHOD /path`. */
export function documentedRoutes(document: OpenApiDocument): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) => METHODS.filter((method) => item[method] !== undefined).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

/**
 * Holds a generated document against its committed copy (`docs/api/*.json`, for readers and
 * code generators): returns undefined when they are equal, else what to do. With
 * `UPDATE_API_DOCS=1` (`npm run docs:api`) it writes the copy instead.
 */
export function checkCommittedDocument(file: URL, document: unknown): string | undefined {
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (process.env['UPDATE_API_DOCS'] === '1') {
    mkdirSync(new URL('.', file), { recursive: true });
    writeFileSync(file, text);
    return undefined;
  }
  const committed = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (committed === text) return undefined;
  return `${fileURLToPath(file)} ${committed === undefined ? 'is missing' : 'differs from the code'}: run npm run docs:api and commit it`;
}
