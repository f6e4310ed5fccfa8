// The bench pages' origin: a tiny node:http server on loopback. `/` is the harness page,
// `/_build/*` the scratch build (harness + the shipped bundle), `/fixtures/*` the test fixtures,
// and `POST /token` mints an ephemeral key from the local Realtime server the way a host backend
// would (POST /v1/realtime/client_secrets with the standard key).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';

const TYPES = { '.js': 'text/javascript', '.html': 'text/html', '.wav': 'audio/wav', '.json': 'application/json' };

/**
 * @param {{buildDir: string, fixturesDir: string, realtime: {httpUrl: string}, apiKey: string}} options
 * @returns {Promise<{url: string, close: () => Promise<void>}>}
 */
export async function serveBench({ buildDir, fixturesDir, realtime, apiKey }) {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'POST' && url.pathname === '/token') {
        const r = await fetch(`${realtime.httpUrl}/realtime/client_secrets`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ session: { type: 'realtime' } }),
        });
        res.writeHead(r.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(await r.text());
        return;
      }
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      if (url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><html lang="en"><meta charset="utf-8"><title>realtime-voice bench</title><body><script type="module" src="/_build/harness.js"></script></body></html>');
        return;
      }
      const [base, rest] = url.pathname.startsWith('/_build/')
        ? [buildDir, url.pathname.slice(8)]
        : url.pathname.startsWith('/fixtures/')
          ? [fixturesDir, url.pathname.slice(10)]
          : [null, ''];
      const rel = normalize(rest);
      if (!base || rel.startsWith('..') || rel.includes('\0')) {
        res.writeHead(404).end();
        return;
      }
      const body = await readFile(join(base, rel));
      const ext = rel.slice(rel.lastIndexOf('.'));
      res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      if (!res.headersSent) res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
