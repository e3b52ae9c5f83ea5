import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { SocketTokenError, SocketTokens, allowsTarget, seesEverything } from './socket-token.js';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';
const UPLOAD = '0b6e4f1e-9a3c-4d2b-8f5e-1c2d3e4f5a6b';
const OTHER = '7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';

const tokens = new SocketTokens(SECRET);

/** A JWT signed by hand, to try what the signer would never make. */
function handMade(header: object, payload: object, secret = SECRET): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const body = `${encode(header)}.${encode(payload)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

async function refusal(token: string | undefined): Promise<SocketTokenError> {
  try {
    await tokens.verify(token);
  } catch (error) {
    assert.ok(error instanceof SocketTokenError);
    return error;
  }
  assert.fail('the token was accepted');
}

const inAnHour = () => Math.floor(Date.now() / 1000) + 3_600;

describe('SocketTokens', () => {
  it('verifies what it signs: the grant, the subject and the expiry', async () => {
    const access = await tokens.verify(await tokens.sign({ uploads: [UPLOAD], sub: 'dashboard' }, 600));
    assert.deepEqual(access.uploads, [UPLOAD]);
    assert.deepEqual(access.logs, []);
    assert.equal(access.subject, 'dashboard');
    assert.ok(Math.abs(access.expiresAt - (Date.now() + 600_000)) < 5_000);
    assert.equal(allowsTarget(access, { uploadId: UPLOAD }), true);
    assert.equal(allowsTarget(access, { uploadId: OTHER }), false);
    assert.equal(allowsTarget(access, { logId: UPLOAD }), false, 'an upload id grants no message of that id');
    assert.equal(seesEverything(access), false);
  });

  it('"*" grants any id; both grants "*" see everything', async () => {
    const all = await tokens.verify(await tokens.sign({ uploads: '*', logs: '*' }, 60));
    assert.equal(seesEverything(all), true);
    const anyUpload = await tokens.verify(await tokens.sign({ uploads: '*' }, 60));
    assert.equal(allowsTarget(anyUpload, { uploadId: OTHER }), true);
    assert.equal(seesEverything(anyUpload), false, 'any upload is not every single message');
  });

  it('accepts a token made by another standard HS256 signer', async () => {
    const access = await tokens.verify(handMade({ alg: 'HS256', typ: 'JWT' }, { aud: 'flowcast', exp: inAnHour(), logs: [OTHER] }));
    assert.deepEqual(access.logs, [OTHER]);
  });

  it('says "missing" without a token', async () => {
    assert.equal((await refusal(undefined)).reason, 'missing');
    assert.equal((await refusal('')).reason, 'missing');
  });

  it('says "expired", and when, for an expired token', async () => {
    const error = await refusal(await tokens.sign({ uploads: [UPLOAD] }, -60));
    assert.equal(error.reason, 'expired');
    assert.match(error.message, /expired at \d{4}-\d\d-\d\dT/);
  });

  it('refuses as "invalid": another secret, another algorithm, no signature, another audience, no expiry, bad claims, garbage', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['another secret', await new SocketTokens('another-secret-of-thirty-two-characters!').sign({ uploads: '*' }, 60), /signature/],
      ['HS512', handMade({ alg: 'HS512' }, { aud: 'flowcast', exp: inAnHour() }), /alg/],
      ['alg none', `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ aud: 'flowcast', exp: inAnHour(), uploads: '*', logs: '*' })).toString('base64url')}.`, /./],
      ['another audience', handMade({ alg: 'HS256' }, { aud: 'someone-else', exp: inAnHour() }), /aud/],
      ['no audience', handMade({ alg: 'HS256' }, { exp: inAnHour() }), /aud/],
      ['no expiry', handMade({ alg: 'HS256' }, { aud: 'flowcast', uploads: '*' }), /exp/],
      ['an upload that is not a UUID', handMade({ alg: 'HS256' }, { aud: 'flowcast', exp: inAnHour(), uploads: ['../etc'] }), /claim "uploads"/],
      ['a grant of another shape', handMade({ alg: 'HS256' }, { aud: 'flowcast', exp: inAnHour(), logs: 'all' }), /claim "logs"/],
      ['garbage', 'not.a.token', /not valid/],
    ];
    for (const [name, token, message] of cases) {
      const error = await refusal(token);
      assert.equal(error.reason, 'invalid', name);
      assert.match(error.message, message, name);
      assert.ok(!error.message.includes(SECRET), 'never the secret');
    }
  });
});
