// How the dashboard renders under a steady event rate: a Socket.IO server of its own (no Kafka)
// sends lifecycle events at RATE per second for SECONDS to the built dashboard in headless
// Chromium, and the page reports its frame rate and long tasks. Prints figures; asserts nothing.
//   npm run build && node bench/dashboard-render.mjs [rate=1000] [seconds=10]
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { Server } from 'socket.io';

const RATE = Number(process.argv[2] ?? 1_000);
const SECONDS = Number(process.argv[3] ?? 10);
const dist = fileURLToPath(new URL('../services/dashboard/dist/', import.meta.url));
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

const http = createServer((request, response) => void serve(request, response));
async function serve(request, response) {
  if (request.url === '/config.json') {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ producerUrl: 'http://127.0.0.1:9', traceUrlTemplate: null, instanceId: 'bench' }));
    return;
  }
  const path = request.url === '/' ? 'index.html' : (request.url ?? '').slice(1);
  try {
    const body = await readFile(join(dist, path));
    response.setHeader('content-type', types[extname(path)] ?? 'application/octet-stream');
    response.end(body);
  } catch {
    response.statusCode = 404;
    response.end();
  }
}
const io = new Server(http);
await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${http.address().port}/`;

const browser = await chromium.launch({
  executablePath: process.env.FLOWCAST_TEST_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.addInitScript(() => {
    const stats = { frames: 0, longTasks: 0, longTaskMs: 0 };
    window.__bench = stats;
    const frame = () => {
      stats.frames += 1;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        stats.longTasks += 1;
        stats.longTaskMs += entry.duration;
      }
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(url);
  await page.locator('[data-testid=connection][data-state=connected]').waitFor();
  const before = await page.evaluate(() => ({ ...window.__bench }));

  // Each message: received, processing, then processed (every 20th: failed) — RATE events a second.
  const open = [];
  let sent = 0;
  const started = performance.now();
  const tickMs = 10;
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1_000) * RATE) - sent;
      for (let index = 0; index < due; index += 1) {
        const timestamp = new Date().toISOString();
        if (open.length < 3 || Math.random() < 0.34) {
          const logId = randomUUID();
          open.push({ logId, step: 1 });
          io.emit('message-received', { logId, data: { dataType: 'SINGLE_MESSAGE' }, timestamp });
        } else {
          const message = open.shift();
          if (message.step === 1) {
            io.emit('processing-started', { logId: message.logId, status: 'PROCESSING', timestamp });
            open.push({ ...message, step: 2 });
          } else if (sent % 20 === 0) {
            io.emit('processing-failed', { logId: message.logId, status: 'FAILED', error: 'quantity: must be a positive whole number', timestamp });
          } else {
            io.emit('processing-completed', { logId: message.logId, consumerId: 'bench', status: 'PROCESSED', timestamp });
          }
        }
        sent += 1;
      }
      if (performance.now() - started >= SECONDS * 1_000) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
  const elapsed = (performance.now() - started) / 1_000;
  await page.waitForTimeout(500);
  const after = await page.evaluate(() => ({ ...window.__bench }));
  const rows = await page.locator('[data-testid=event-row]').count();
  const kept = await page.locator('[data-testid=filter-all] span').innerText();
  const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
  const fps = (after.frames - before.frames) / (elapsed + 0.5);
  console.log(`events sent        ${sent} in ${elapsed.toFixed(1)} s (${Math.round(sent / elapsed)}/s)`);
  console.log(`frames             ${fps.toFixed(1)} per second (headless Chromium, no GPU)`);
  console.log(`long tasks (>50ms) ${after.longTasks - before.longTasks}, ${Math.round(after.longTaskMs - before.longTaskMs)} ms in all`);
  console.log(`rows in the DOM    ${rows} (messages kept: ${kept})`);
  console.log(`JS heap            ${(heap / 1024 / 1024).toFixed(1)} MiB`);
} finally {
  await browser.close();
  await io.close();
  http.close();
}
