const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** `HH:MM:SS.mmm` in local time. By hand: Intl formatting per row per frame costs too much. */
export function clock(at: string | undefined): string {
  if (at === undefined) return '';
  const date = new Date(at);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}
