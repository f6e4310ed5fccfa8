#!/usr/bin/env node
// `npm start`: one process serving the demo shop page, its token endpoint (made with
// createTokenHandler, as a host backend would) and — unless OPENAI_API_KEY is set — the local
// Realtime server the widget talks to. With OPENAI_API_KEY the same page talks to OpenAI.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createTokenHandler } from '../server/index.js';
import { createRealtimeServer } from '../server/simulator/index.js';
import { lookupOrder } from './orders.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const realKey = process.env.OPENAI_API_KEY;

/** The shop's agent, pinned on the backend so visitors cannot rewrite it. */
const session = {
  type: 'realtime',
  model: process.env.OPENAI_REALTIME_MODEL ?? 'gpt-realtime',
  instructions:
    'You are the friendly support agent of Northwind Outfitters, an outdoor gear shop. Keep answers short. ' +
    'When the customer gives an order number, call lookup_order and tell them its status.',
  audio: { output: { voice: 'marin' } },
};

/** @type {{url: string, httpUrl: string, close(): Promise<void>} | undefined} */
let local;
/** @type {ReturnType<typeof createTokenHandler>} */
let tokens;
if (realKey) {
  // `model` goes to the widget too: it connects with `?model=`, which must match the secret's.
  tokens = createTokenHandler({ apiKey: realKey, session, model: session.model, allowedOrigins: [`http://${host}:${port}`, `http://localhost:${port}`] });
} else {
  // A per-run key for the local server: it never leaves this process.
  const localKey = `sk-local-${randomBytes(12).toString('hex')}`;
  local = await createRealtimeServer({ host, port: Number(process.env.REALTIME_PORT ?? 0), apiKey: localKey });
  tokens = createTokenHandler({ apiKey: localKey, session, model: session.model, baseUrl: local.httpUrl, url: local.url, rateLimit: false });
}
const tokenListener = tokens.toNodeListener();

/** @type {Record<string, string>} */
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.map': 'application/json',
};

const server = createServer(async (req, res) => {
  /** @type {URL} */
  let url;
  try {
    url = new URL(req.url ?? '/', `http://${host}`);
  } catch {
    res.writeHead(400).end('Bad request'); // a malformed request-target must not end the process
    return;
  }
  if (url.pathname === '/session') return tokenListener(req, res);
  const order = url.pathname.match(/^\/api\/orders\/([\w-]{1,32})$/);
  if (order && req.method === 'GET') {
    const found = lookupOrder(order[1] ?? '');
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(found ?? { error: 'order_not_found' }));
  }
  // Static files: the demo page, and the bundles exactly as an integrator would serve them.
  const path = url.pathname === '/' ? '/demo/index.html' : url.pathname;
  /** @type {string} */
  let file;
  try {
    file = normalize(join(root, decodeURIComponent(path)));
  } catch {
    res.writeHead(400).end('Bad request'); // malformed percent-encoding (`/%zz`)
    return;
  }
  const allowed = [join(root, 'demo') + sep, join(root, 'dist') + sep].some((dir) => file.startsWith(dir));
  if (!allowed || req.method !== 'GET') {
    res.writeHead(404).end('Not found');
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(body);
  } catch {
    res.writeHead(404).end('Not found');
  }
});

server.listen(port, host, () => {
  console.log(`realtime-voice demo: http://${host}:${port}/`);
  console.log(realKey ? '  talking to the OpenAI Realtime API (OPENAI_API_KEY is set)' : `  talking to the local Realtime server at ${local?.url}`);
  console.log('  Ctrl-C stops it.');
});

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  server.closeAllConnections();
  server.close();
  await local?.close();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
