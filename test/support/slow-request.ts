import { request } from 'node:http';

export interface SlowAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/**
 * A request whose body never ends: `first`, then `chunk` every `everyMs`, until the server
 * answers (or `giveUpMs` passes, which rejects). Chunked, so that no Content-Length promises an end.
 */
export function endlessRequest(
  url: string,
  { headers = {}, first, chunk, everyMs = 100, giveUpMs = 30_000 }: { headers?: Record<string, string>; first: string; chunk: string; everyMs?: number; giveUpMs?: number },
): Promise<SlowAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const outgoing = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'transfer-encoding': 'chunked', ...headers } });
    const drip = setInterval(() => {
      if (!outgoing.destroyed && outgoing.writable) outgoing.write(chunk);
    }, everyMs);
    const giveUp = setTimeout(() => {
      outgoing.destroy();
      reject(new Error(`no answer within ${giveUpMs} ms`));
    }, giveUpMs);
    const finish = () => {
      clearInterval(drip);
      clearTimeout(giveUp);
    };
    outgoing.on('error', (error) => {
      finish();
      reject(error);
    });
    outgoing.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (piece: string) => (text += piece));
      response.on('end', () => {
        finish();
        outgoing.destroy();
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> });
      });
    });
    outgoing.write(first);
  });
}
