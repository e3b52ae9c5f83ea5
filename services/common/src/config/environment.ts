import { z } from 'zod';

/** Thrown at start-up when environment variables are invalid; lists every bad variable at once. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/**
 * Reads the variables named in `shape` from `env`, once, and validates them all.
 * An empty variable counts as unset, so that `FOO=` falls back to the default.
 */
export function parseEnvironment<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: Readonly<Record<string, string | undefined>>,
): z.infer<z.ZodObject<Shape>> {
  const input: Record<string, string | undefined> = {};
  for (const name of Object.keys(shape)) {
    const value = env[name];
    input[name] = value === undefined || value.trim() === '' ? undefined : value.trim();
  }
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    throw new ConfigurationError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '(environment)');
        return `${name}: ${issue.message} (got ${JSON.stringify(input[name] ?? null)})`;
      }),
    );
  }
  return result.data;
}

/** Field builders for environment variables; each takes its default. */
export const envVar = {
  port: (fallback: number) =>
    z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65_535).default(fallback),
  integer: (fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) =>
    z.coerce
      .number({ error: 'must be a whole number' })
      .int('must be a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .default(fallback),
  boolean: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
      .transform((value) => value === 'true' || value === '1' || value === 'yes')
      .default(fallback),
  text: (fallback: string) => z.string().min(1).default(fallback),
  optionalText: () => z.string().min(1).optional(),
  /** A comma-separated list; blanks are dropped. */
  list: (fallback: readonly string[]) =>
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item.length > 0),
      )
      .default([...fallback]),
  url: () => z.url({ error: 'must be a URL' }).optional(),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};
