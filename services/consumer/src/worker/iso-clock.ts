let lastMs = Number.NaN;
let lastText = '';

/** Now as ISO 8601 text, formatted once per millisecond: a worker stamps thousands of events a second. */
export function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastText = new Date(now).toISOString();
  }
  return lastText;
}
