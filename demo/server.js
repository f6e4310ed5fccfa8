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
// Bound to every interface (HOST=0.0.0.0 or ::), the demo is reached by whatever name the
// visitor's browser used, and 0.0.0.0 is no address a browser can connect to.
const wildcard = host === '0.0.0.0' || host === '::';
const loopback = host === '::' ? '[::1]' : '127.0.0.1';

/**
 * A start-up failure as one line (a taken port is the usual one), not a stack trace.
 * @param {string} variable the setting that chose the port
 * @param {number} at
 * @returns {(error: NodeJS.ErrnoException) => never}
 */
const cannotListen = (variable, at) => (error) => {
  const why = error.code === 'EADDRINUSE' ? 'is in use' : `cannot be used (${error.code ?? error.message})`;
  console.error(`realtime-voice demo: ${host}:${at} ${why}; set ${variable} to another port.`);
  process.exit(1);
};

/** The shop's agent, pinned on the backend so visitors cannot rewrite it. */
const session = {
  type: 'realtime',
  model: process.env.OPENAI_REALTIME_MODEL ?? 'gpt-realtime',
  instructions:
    'You are the friendly support agent of Northwind Outfitters, an outdoor gear shop. Keep answers short. ' +
    'When the customer gives an order number, call lookup_order and tell them its status.',
  audio: { output: { voice: 'marin' } },
};

/** @type {{url: string, httpUrl: string, port: number, close(): Promise<void>} | undefined} */
let local;
/** @type {ReturnType<typeof createTokenHandler>} */
let tokens;
if (realKey) {
  // `model` goes to the widget too: it connects with `?model=`, which must match the secret's.
  // OPENAI_BASE_URL (as the openai SDK reads it): a compatible server or a proxy in between.
  tokens = createTokenHandler({ apiKey: realKey, session, model: session.model, baseUrl: process.env.OPENAI_BASE_URL || undefined, allowedOrigins: [`http://${host}:${port}`, `http://localhost:${port}`] });
} else {
  // A per-run key for the local server: it never leaves this process.
  const localKey = `sk-local-${randomBytes(12).toString('hex')}`;
  const realtimePort = Number(process.env.REALTIME_PORT ?? 0);
  local = await createRealtimeServer({ host, port: realtimePort, apiKey: localKey }).catch(cannotListen('REALTIME_PORT', realtimePort));
  const { port: lp, url } = local;
  tokens = createTokenHandler({
    apiKey: localKey,
    session,
    model: session.model,
    baseUrl: wildcard ? `http://${loopback}:${lp}/v1` : local.httpUrl,
    url: wildcard ? (request) => `ws://${new URL(request.url).hostname}:${lp}/v1/realtime` : url,
    rateLimit: false,
  });
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

server.once('error', cannotListen('PORT', port));
server.listen(port, host, () => {
  console.log(`realtime-voice demo: http://${wildcard ? `${loopback}:${port}/ (on all interfaces: other machines use this one's address)` : `${host}:${port}/`}`);
  console.log(realKey ? '  talking to the OpenAI Realtime API (OPENAI_API_KEY is set)' : `  talking to the local Realtime server on port ${local?.port}`);
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
