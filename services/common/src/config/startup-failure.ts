/** Logs a start-up failure (a bad configuration lists every variable) and exits non-zero. */
export function exitOnStartupFailure(service: string, error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ level: 'fatal', service, msg: message, time: new Date().toISOString() })}\n`);
  process.exit(1);
}
