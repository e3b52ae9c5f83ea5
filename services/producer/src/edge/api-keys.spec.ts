import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiKeys } from './api-keys.js';

const FIRST = 'first-key-0123456789';
const SECOND = 'second-key-0123456789';

describe('ApiKeys', () => {
  const keys = new ApiKeys([FIRST, SECOND]);

  it('reads the key from Authorization: Bearer, else from X-API-Key', () => {
    assert.equal(ApiKeys.presented({ authorization: `Bearer ${FIRST}` }), FIRST);
    assert.equal(ApiKeys.presented({ authorization: `bearer   ${FIRST} ` }), FIRST);
    assert.equal(ApiKeys.presented({ 'x-api-key': ` ${SECOND} ` }), SECOND);
    assert.equal(ApiKeys.presented({ authorization: `Bearer ${FIRST}`, 'x-api-key': SECOND }), FIRST, 'Authorization first');
    assert.equal(ApiKeys.presented({ authorization: `Basic ${FIRST}` }), undefined, 'only the Bearer scheme');
    assert.equal(ApiKeys.presented({ 'x-api-key': '' }), undefined);
    assert.equal(ApiKeys.presented({}), undefined);
  });

  it('identifies each configured key by a stable id that is not the key', () => {
    const first = keys.identify(FIRST);
    const second = keys.identify(SECOND);
    assert.match(first ?? '', /^[0-9a-f]{12}$/);
    assert.notEqual(first, second);
    assert.equal(new ApiKeys([SECOND, FIRST]).identify(FIRST), first, 'whatever the order of API_KEYS');
    assert.ok(!FIRST.includes(first!));
  });

  it('refuses anything else: other keys, prefixes, longer strings, case changes, nothing', () => {
    for (const candidate of ['other-key-0123456789', FIRST.slice(0, -1), `${FIRST}x`, FIRST.toUpperCase(), '', undefined]) {
      assert.equal(keys.identify(candidate), undefined, String(candidate));
    }
  });

  it('is disabled without keys, and then identifies nothing', () => {
    const none = new ApiKeys([]);
    assert.equal(none.enabled, false);
    assert.equal(keys.enabled, true);
    assert.equal(none.identify(FIRST), undefined);
  });
});
