import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './support/browser.js';
import { ROOT } from './support/environment.js';
import { getJson, order, ordersCsv, postJson } from './support/http.js';
import { Pipeline } from './support/pipeline.js';

const SCREENSHOT = `${ROOT}test-results/dashboard.png`;

describe('the dashboard in a real browser', () => {
  let pipeline: Pipeline;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  /** What the Content-Security-Policy refused: the page must load and connect without a refusal. */
  const cspViolations: string[] = [];

  before(async () => {
    // The gateway must know where the producer is: start it once the producer listens.
    pipeline = await Pipeline.start({ gateways: 0 });
    await pipeline.addGateway({ PRODUCER_PUBLIC_URL: pipeline.producerUrl, TRACE_UI_URL_TEMPLATE: 'http://traces.test/search?logId={logId}' });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 1080 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.goto(pipeline.gatewayUrl());
  });
  after(async () => {
    await browser?.close();
    await pipeline?.stop();
  });

  it('is served by the gateway at / and connects over Socket.IO', async () => {
    await page.locator('[data-testid=connection][data-state=connected]').waitFor();
    // The gateway greets each client with the latest statistics: the cards fill in.
    await page.locator('[data-testid=stat-clients] strong', { hasNotText: '—' }).waitFor();
    assert.deepEqual(pageErrors, []);
  });

  it('leaves the gateway’s API, operations endpoints, /docs and Socket.IO where they were', async () => {
    const gateway = pipeline.gatewayUrl();
    const index = await fetch(`${gateway}/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(await index.text())?.[1];
    assert.ok(asset !== undefined);
    assert.match((await fetch(`${gateway}${asset}`)).headers.get('cache-control') ?? '', /immutable/);

    assert.equal((await getJson(`${gateway}/api/stats`)).status, 200);
    assert.equal((await getJson(`${gateway}/healthz`)).status, 200);
    assert.match(await (await fetch(`${gateway}/metrics`)).text(), /flowcast_/);
    const missing = await getJson(`${gateway}/no/such/page`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body['code'], 'NOT_FOUND');
    assert.deepEqual((await getJson(`${gateway}/config.json`)).body, {
      producerUrl: pipeline.producerUrl,
      traceUrlTemplate: 'http://traces.test/search?logId={logId}',
      socketAuth: false,
      instanceId: `${pipeline.id}-gateway-1`,
    });

    // /docs: what each service serves is the committed description, built from the same code.
    assert.match(await (await fetch(`${gateway}/docs`)).text(), /AsyncAPI 3/);
    assert.deepEqual((await getJson(`${gateway}/docs/openapi.json`)).body, committed('gateway.openapi.json'));
    assert.deepEqual((await getJson(`${pipeline.producerUrl}/docs/openapi.json`)).body, committed('producer.openapi.json'));
    const asyncapi = (await getJson(`${gateway}/docs/asyncapi.json`)).body as { channels: Record<string, { address: string }> };
    assert.equal(asyncapi.channels['messages']!.address, pipeline.topics.messages);
    assert.equal((await getJson(`${pipeline.producerUrl}/docs/asyncapi.json`)).status, 404);

    // The page, on the gateway's origin, may call the producer (CORS_ORIGINS defaults to *).
    const preflight = await fetch(`${pipeline.producerUrl}/producers/send/single`, {
      method: 'OPTIONS',
      headers: { origin: gateway, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), gateway);
  });

  it('shows a message sent from the form go received → processing → processed, with its history', async () => {
    const form = page.locator('[data-testid=send-form]');
    await form.locator('input[name=quantity]').fill('3');
    await form.locator('input[name=price]').fill('4.5');
    const logId = await sendFromForm(page);

    const row = page.locator(`[data-testid=event-row][data-log-id="${logId}"]`);
    await row.and(page.locator('[data-status=PROCESSED]')).waitFor();
    // Every step was seen by the page, in order, even when all three came within one frame.
    assert.equal(await row.getAttribute('data-journey'), 'received,processing,processed');

    const details = page.locator(`[data-testid=details][data-log-id="${logId}"]`);
    await details.locator('[data-testid=details-status]', { hasText: 'PROCESSED' }).waitFor();
    assert.deepEqual(await details.locator('[data-testid=details-history] strong').allTextContents(), [
      'accepted',
      'message-received',
      'processing-started',
      'processing-completed',
    ]);
    assert.equal(await details.locator('[data-testid=trace-link]').getAttribute('href'), `http://traces.test/search?logId=${logId}`);
  });

  it('shows a failure toast for an invalid order, and the error on its row', async () => {
    const form = page.locator('[data-testid=send-form]');
    await form.locator('input[name=quantity]').fill('0');
    const logId = await sendFromForm(page);

    const toast = page.locator('[data-testid=toast][data-kind=error]', { hasText: logId.slice(0, 8) });
    await toast.waitFor();
    assert.match(await toast.innerText(), /quantity/);
    const row = page.locator(`[data-testid=event-row][data-log-id="${logId}"][data-status=FAILED]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-journey'), 'received,processing,failed');
    await form.locator('input[name=quantity]').fill('2');
  });

  it('follows a CSV upload until its progress bar reaches 100 %', async () => {
    await page.locator('[data-testid=csv-input]').setInputFiles({ name: 'orders.csv', mimeType: 'text/csv', buffer: Buffer.from(ordersCsv(450)) });
    const upload = page.locator('[data-testid=upload][data-phase=done]');
    await upload.waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('[data-testid=upload-progress]').getAttribute('aria-valuenow'), '100');
    assert.equal(await page.locator('[data-testid=upload-percent]').innerText(), '100 %');
    assert.equal(await page.locator('[data-testid=upload-status]').textContent(), 'completed');
    // Its five batches are in the list, each processed.
    const uploadId = await upload.getAttribute('data-upload-id');
    assert.match(uploadId ?? '', /^[0-9a-f-]{36}$/);
  });

  it('keeps the list bounded under a workload, and saves a screenshot of it', async () => {
    const producer = pipeline.producerUrl;
    await page.locator('[data-testid=csv-sample]').click();
    for (let index = 1; index <= 150; index += 1) {
      await postJson(`${producer}/producers/send/single`, order({ orderNumber: `LOAD-${index}`, quantity: index % 12 === 0 ? -1 : (index % 5) + 1 }));
    }
    await page.locator('[data-testid=upload][data-phase=done]').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => {
      const processing = document.querySelector('[data-testid=filter-processing] span')?.textContent;
      const received = document.querySelector('[data-testid=filter-received] span')?.textContent;
      const all = Number(document.querySelector('[data-testid=filter-all] span')?.textContent?.replace(/,/g, ''));
      return processing === '0' && received === '0' && all >= 150;
    });

    // Virtualised: hundreds of messages, a screenful of rows in the page.
    const rendered = await page.locator('[data-testid=event-row]').count();
    assert.ok(rendered > 0 && rendered < 40, `${rendered} rows rendered`);

    await page.locator('[data-testid=filter-failed]').click();
    await page.locator('[data-testid=event-row][data-status=FAILED]').first().waitFor();
    assert.equal(await page.locator('[data-testid=event-row]:not([data-status=FAILED])').count(), 0);
    await page.locator('[data-testid=filter-all]').click();

    await page.locator('[data-testid=event-row][data-status=FAILED]').first().click();
    await page.locator('[data-testid=details-status]', { hasText: 'FAILED' }).waitFor();
    await page.locator('[data-testid=stat-processed] strong', { hasNotText: '—' }).waitFor();
    // One notice in the picture is enough to show them.
    while ((await page.locator('[data-testid=toast]').count()) > 1) await page.locator('[data-testid=toast] button').first().click();
    mkdirSync(`${ROOT}test-results`, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true, animations: 'disabled' });
    assert.ok(statSync(SCREENSHOT).size > 10_000);
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(cspViolations, [], 'the page, its WebSocket and its calls to the producer pass the CSP');
  });

  it('shows the connection going and coming back when the gateway restarts', async () => {
    const gateway = pipeline.gateways[0]!;
    const port = gateway.port;
    await gateway.stop('SIGKILL');
    await page.locator('[data-testid=connection][data-state=reconnecting]').waitFor();
    pipeline.gateways.length = 0;
    await pipeline.addGateway({ PORT: String(port), PRODUCER_PUBLIC_URL: pipeline.producerUrl });
    await page.locator('[data-testid=connection][data-state=connected]').waitFor({ timeout: 30_000 });
  });
});

function committed(file: string): unknown {
  return JSON.parse(readFileSync(`${ROOT}docs/api/${file}`, 'utf8'));
}

/** Submits the send form; resolves with the logId the producer answered. */
async function sendFromForm(page: Page): Promise<string> {
  const previous = await page.evaluate(() => document.querySelector('[data-testid=sent-log-id]')?.getAttribute('data-log-id') ?? null);
  await page.locator('[data-testid=send]').click();
  const handle = await page.waitForFunction(
    (before) => {
      const value = document.querySelector('[data-testid=sent-log-id]')?.getAttribute('data-log-id');
      return value !== undefined && value !== null && value !== before ? value : undefined;
    },
    previous,
  );
  return (await handle.jsonValue()) as string;
}
