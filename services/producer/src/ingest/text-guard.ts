import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { FlowcastError } from '@flowcast/common/contracts';

/**
 * Lets through the bytes of UTF-8 text, unchanged, and refuses what is not text: invalid UTF-8
 * or NUL bytes (binary files) fail with CSV_NOT_TEXT and the byte offset. The bytes are checked,
 * not decoded: the CSV parser decodes each field itself, and a decoded chunk would be encoded
 * back to bytes on its way in.
 */
export class TextGuard extends Transform {
  /** Bytes passed on so far. */
  #offset = 0;
  /** The first bytes of a character that the previous chunk cut. */
  #carry: Buffer | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const bytes = this.#carry === undefined ? chunk : Buffer.concat([this.#carry, chunk]);
    const nul = bytes.indexOf(0);
    if (nul !== -1) {
      callback(notText(`it contains a NUL byte at byte ${this.#offset + nul}; it looks like a binary file`));
      return;
    }
    const end = wholeCharactersEnd(bytes);
    const whole = bytes.subarray(0, end);
    if (!isUtf8(whole)) {
      callback(notText(`it is not valid UTF-8 (near byte ${this.#offset})`));
      return;
    }
    this.#carry = end < bytes.length ? Buffer.from(bytes.subarray(end)) : undefined;
    this.#offset += end;
    callback(null, whole);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.#carry === undefined ? null : notText('it ends in the middle of a UTF-8 character'));
  }
}

/** Where the last whole character of `bytes` ends: before a multi-byte sequence cut short. */
export function wholeCharactersEnd(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(4, bytes.length); back += 1) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    return length > back ? bytes.length - back : bytes.length;
  }
  // Continuation bytes only, or more than a character's worth: the check refuses them.
  return bytes.length;
}

function notText(reason: string): FlowcastError {
  return new FlowcastError('CSV_NOT_TEXT', `The file is not a UTF-8 text CSV: ${reason}`);
}
