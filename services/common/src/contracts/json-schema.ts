import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema of a contract schema, for the machine-readable API descriptions
 * (OpenAPI 3.1 takes JSON Schema 2020-12, AsyncAPI 3 a superset of draft-07). Generated,
 * never written by hand, so that a description cannot drift from the schema that validates
 * the wire. `io: 'output'` describes what Flowcast sends, `'input'` what it accepts.
 */
export function jsonSchemaOf(
  schema: z.ZodType,
  { target = 'draft-2020-12', io = 'output' }: { target?: 'draft-2020-12' | 'draft-07'; io?: 'input' | 'output' } = {},
): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target, io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  return rest;
}

/** Version of the wire contracts, the `info.version` of the OpenAPI and AsyncAPI documents. */
export const CONTRACT_VERSION = '0.1.0';
