import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationError, envVar, parseEnvironment } from './environment.js';

const shape = {
  PORT: envVar.port(3000),
  BATCH: envVar.integer(100, { min: 1 }),
  ENABLED: envVar.boolean(false),
  ORIGINS: envVar.list(['*']),
};

describe('parseEnvironment', () => {
  it('applies defaults for unset and empty variables', () => {
    assert.deepEqual(parseEnvironment(shape, { BATCH: '' }), { PORT: 3000, BATCH: 100, ENABLED: false, ORIGINS: ['*'] });
  });

  it('parses numbers, booleans and lists', () => {
    assert.deepEqual(parseEnvironment(shape, { PORT: '8080', BATCH: '5', ENABLED: 'yes', ORIGINS: 'https://a, https://b,' }), {
      PORT: 8080,
      BATCH: 5,
      ENABLED: true,
      ORIGINS: ['https://a', 'https://b'],
    });
  });

  it('lists every bad variable at once, by name, with the value it got', () => {
    assert.throws(
      () => parseEnvironment(shape, { PORT: 'http', BATCH: '0', ENABLED: 'maybe' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.equal(error.problems.length, 3);
        assert.match(error.message, /PORT: .*"http"/);
        assert.match(error.message, /BATCH: must be at least 1 \(got "0"\)/);
        assert.match(error.message, /ENABLED: must be true or false/);
        return true;
      },
    );
  });
});
