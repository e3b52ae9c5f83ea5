import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowcastError } from '@flowcast/common/contracts';
import { MAX_NESTING_DEPTH, parseSingleBody } from './single-body.js';

function codeOf(body: unknown, contentType: string | null = 'application/json'): string {
  try {
    parseSingleBody(body, contentType ?? undefined);
  } catch (error) {
    assert.ok(error instanceof FlowcastError);
    return error.code;
  }
  return 'accepted';
}

describe('parseSingleBody', () => {
  it('accepts one JSON object with fields', () => {
    assert.deepEqual(parseSingleBody({ orderNumber: 'A' }, 'application/json; charset=utf-8'), { orderNumber: 'A' });
    assert.equal(codeOf({ a: 1 }, 'application/vnd.flowcast+json'), 'accepted');
  });

  it('refuses other content types, empty bodies and non-objects with their own codes', () => {
    assert.equal(codeOf({ a: 1 }, 'text/plain'), 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal(codeOf({ a: 1 }, null), 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal(codeOf(undefined), 'EMPTY_BODY');
    assert.equal(codeOf(null), 'EMPTY_BODY');
    assert.equal(codeOf({}), 'EMPTY_BODY');
    assert.equal(codeOf([1, 2]), 'BODY_NOT_OBJECT');
    assert.equal(codeOf('text'), 'BODY_NOT_OBJECT');
    assert.equal(codeOf(42), 'BODY_NOT_OBJECT');
  });

  it('refuses an object nested deeper than MAX_NESTING_DEPTH, however deep', () => {
    const nested = (depth: number) => {
      let value: unknown = 1;
      for (let level = 1; level < depth; level += 1) value = level % 2 === 0 ? { a: value } : [value];
      return { a: value };
    };
    assert.equal(codeOf(nested(MAX_NESTING_DEPTH)), 'accepted');
    assert.equal(codeOf(nested(MAX_NESTING_DEPTH + 1)), 'VALIDATION_FAILED');
    assert.equal(codeOf(nested(1_000_000)), 'VALIDATION_FAILED');
  });
});
