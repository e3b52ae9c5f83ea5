import { Transform, type TransformCallback } from 'node:stream';
import { FlowcastError } from '@flowcast/common/contracts';

/**
 * Decodes UTF-8 bytes into text for the CSV parser, and refuses what is not text: invalid
 * UTF-8 or NUL bytes (binary files) fail with CSV_NOT_TEXT and the byte offset.
 */
export class TextGuard extends Transform {
  readonly #decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  #offset = 0;

  constructor() {
    super({ readableObjectMode: false, decodeStrings: true, encoding: 'utf8' });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const nul = chunk.indexOf(0);
    if (nul !== -1) {
      callback(notText(`it contains a NUL byte at byte ${this.#offset + nul}; it looks like a binary file`));
      return;
    }
    try {
      const text = this.#decoder.decode(chunk, { stream: true });
      this.#offset += chunk.length;
      callback(null, text);
    } catch {
      callback(notText(`it is not valid UTF-8 (near byte ${this.#offset})`));
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      callback(null, this.#decoder.decode());
    } catch {
      callback(notText('it ends in the middle of a UTF-8 character'));
    }
  }
}

function notText(reason: string): FlowcastError {
  return new FlowcastError('CSV_NOT_TEXT', `The file is not a UTF-8 text CSV: ${reason}`);
}
