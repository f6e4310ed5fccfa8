#!/usr/bin/env node
// What 50 `WebSocket.send` calls a second cost the main thread in this Chromium, with nothing else
// on the page: the floor under figure 7 for any widget that sends 20 ms appends from the main
// thread, and what moving the socket into a Worker would take off it. A bare page sends a
// 1,354-character append-shaped JSON string every 20 ms for 10 s per mode, to a `ws` server on
// loopback; CDP TaskDuration per minute, the idle page's (same 20 ms timer, no send) beside it.
//   node bench/send-cost.mjs
/* global Worker */ // in page.evaluate: runs in the page
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { launchChromium } from '../test/chromium.mjs';

const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>send cost</title>'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
const wss = new WebSocketServer({ server });
let received = 0;
wss.on('connection', (socket) => socket.on('message', () => received++));
const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());

const browser = await launchChromium();
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${port}/`);
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
const taskSeconds = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;

/** @type {Record<string, number>} */
const results = {};
for (const mode of ['timer only', 'send from the page', 'send from a worker']) {
  await page.evaluate(
    async ([port, mode]) => {
      const g = /** @type {any} */ (globalThis);
      g.stopSending?.();
      const payload = `{"type":"input_audio_buffer.append","event_id":"evt_0123456789abcdef","audio":"${'A'.repeat(1280)}"}`;
      if (mode === 'send from a worker') {
        const source = `let ws = new WebSocket('ws://127.0.0.1:${port}'); onmessage = (e) => ws.readyState === 1 && ws.send(e.data);`;
        const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
        await new Promise((resolve) => setTimeout(resolve, 300));
        // The page still posts each append to the worker here; a capture worklet would post it there directly.
        const timer = setInterval(() => worker.postMessage(payload), 20);
        g.stopSending = () => (clearInterval(timer), worker.terminate());
        return;
      }
      const ws = new WebSocket(`ws://127.0.0.1:${port}`);
      await new Promise((resolve) => (ws.onopen = resolve));
      const timer = setInterval(() => mode === 'send from the page' && ws.send(payload), 20);
      g.stopSending = () => (clearInterval(timer), ws.close());
    },
    /** @type {[number, string]} */ ([port, mode]),
  );
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const before = await taskSeconds();
  const count = received;
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  results[mode] = Math.round((((await taskSeconds()) - before) * 1000 * 60) / 10);
  console.log(`${mode.padEnd(20)} ${String(results[mode]).padStart(5)} ms/min main thread, ${received - count} messages received`);
}
console.log(`one send on the main thread ≈ ${((results['send from the page'] - results['timer only']) / (50 * 60)).toFixed(3)} ms`);
await browser.close();
server.close();
