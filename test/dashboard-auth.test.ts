import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './support/browser.js';
import { ROOT } from './support/environment.js';
import { Pipeline } from './support/pipeline.js';

const SECRET = 'dashboard-auth-test-secret-0123456789abc';
const API_KEY = 'dashboard-api-key-0123456789';

/** `npm run token`, as an operator runs it: the token command of the gateway. */
async function mintToken(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [`${ROOT}services/gateway/dist/cli/token.js`, ...args], {
    env: { PATH: process.env['PATH'] ?? '', SOCKET_AUTH_SECRET: SECRET },
  });
  return stdout.trim();
}

describe('the dashboard where the gateway needs a token and the producer an API key', () => {
  let pipeline: Pipeline;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    pipeline = await Pipeline.start({ gateways: 0, env: { SOCKET_AUTH_SECRET: SECRET, API_KEYS: API_KEY } });
    await pipeline.addGateway({ PRODUCER_PUBLIC_URL: pipeline.producerUrl });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) problems.push(message.text());
    });
  });
  after(async () => {
    await browser?.close();
    await pipeline?.stop();
  });

  it('says it needs a token, instead of showing nothing', async () => {
    await page.goto(pipeline.gatewayUrl());
    await page.locator('[data-testid=connection][data-state=disconnected]').waitFor();
    await page.locator('[data-testid=access][data-problem=missing]').waitFor();
    assert.match(await page.locator('[data-testid=access-problem]').innerText(), /needs a token/);
  });

  it('connects with a token from the token command, and sends with the API key', async () => {
    await page.locator('[data-testid=access-token]').fill(await mintToken('--all', '--sub', 'dashboard-test'));
    await page.locator('[data-testid=access-api-key]').fill(API_KEY);
    await page.locator('[data-testid=access-use]').click();
    await page.locator('[data-testid=connection][data-state=connected]').waitFor();

    await page.locator('[data-testid=send]').click();
    const logId = await page.locator('[data-testid=sent-log-id]').getAttribute('data-log-id');
    assert.match(logId ?? '', /^[0-9a-f-]{36}$/);
    await page.locator(`[data-testid=event-row][data-log-id="${logId}"][data-status=PROCESSED]`).waitFor();
    // The details come from GET /api/logs/:logId, which needs the token too.
    await page.locator(`[data-testid=event-row][data-log-id="${logId}"]`).click();
    await page.locator('[data-testid=details-status]', { hasText: 'PROCESSED' }).waitFor();
  });

  it('takes a token from the address (#token=…) and removes it from there', async () => {
    const token = await mintToken('--all', '--ttl', '600');
    const fresh = await browser.newPage();
    fresh.on('pageerror', (error) => problems.push(error.message));
    await fresh.goto(`${pipeline.gatewayUrl()}/#token=${token}`);
    await fresh.locator('[data-testid=connection][data-state=connected]').waitFor();
    assert.equal(new URL(fresh.url()).hash, '');
    // The producer's key is still missing in this tab: a send is refused, and the panel says so.
    await fresh.locator('[data-testid=send]').click();
    await fresh.locator('[data-testid=access][data-problem=api-key]').waitFor();
    await fresh.close();
  });

  it('had no page error and no CSP refusal', () => {
    assert.deepEqual(problems, []);
  });
});
