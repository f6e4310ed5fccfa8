// What an integrating team meets when following the README literally: the demo server
// (`npm start`) and the local server's CLI, each driven as a separate process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startDemo, stopChild } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Sends one raw HTTP/1.1 request and resolves with the status line (or '' when the socket closes first).
 * @param {number} port
 * @param {string} target the request-target, sent as is
 * @returns {Promise<string>}
 */
function rawGet(port, target) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`));
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('error', reject);
    socket.on('close', () => resolve(data.split('\r\n')[0] ?? ''));
  });
}

test('demo server: a malformed percent-encoding or request-target gets a 4xx and the process keeps serving', async (t) => {
  const demo = await startDemo();
  t.after(() => stopChild(demo.child));
  for (const target of ['/%zz', '/demo/%E0%A4%A', 'http://[', '/demo/index.html%00.png']) {
    const status = await rawGet(demo.port, target);
    assert.match(status, /^HTTP\/1\.1 4\d\d /, `${target} answered "${status}"\n${demo.output()}`);
  }
  assert.equal(demo.child.exitCode, null, `the demo server exited:\n${demo.output()}`);
  const page = await fetch(`http://127.0.0.1:${demo.port}/demo/demo.css`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/css/);
});

test('demo server: the token answer names the model the secret is for, so the widget connects with the same ?model=', async (t) => {
  const demo = await startDemo({ OPENAI_REALTIME_MODEL: 'gpt-realtime-mini' });
  t.after(() => stopChild(demo.child));
  const res = await fetch(`http://127.0.0.1:${demo.port}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(res.status, 200);
  const token = await res.json();
  assert.equal(token.session?.model, 'gpt-realtime-mini', 'the secret is for the configured model');
  assert.equal(token.model, 'gpt-realtime-mini', 'and the widget is told so (it would connect with ?model=gpt-realtime)');
});

test('demo server: static serving stays inside demo/ and dist/', async (t) => {
  const demo = await startDemo();
  t.after(() => stopChild(demo.child));
  for (const target of ['/package.json', '/demo/..%2fpackage.json', '/dist/..%2f..%2fetc%2fpasswd', '/demo%2f..%2fserver%2findex.js', '/%2e%2e/package.json']) {
    const status = await rawGet(demo.port, target);
    assert.match(status, /^HTTP\/1\.1 404 /, `${target} answered "${status}"`);
  }
});

/**
 * Runs `node server/cli.js ...args` until it prints its banner (then stops it) or exits.
 * @param {string[]} args
 * @returns {Promise<{code: number | null, stdout: string, stderr: string}>}
 */
function runCli(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['server/cli.js', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI neither started nor exited:\n${stdout}\n${stderr}`));
    }, 15000);
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('Ctrl-C stops it.')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('CLI: the backend hint it prints includes the url, as the README does (without it the widget goes to OpenAI)', async () => {
  const { stdout } = await runCli(['-p', '0', '--voice', 'synthetic', '--api-key', 'sk-local-integrator-edges']);
  const ws = /WebSocket\s+(ws:\/\/\S+)/.exec(stdout)?.[1];
  assert.ok(ws, stdout);
  const hint = /createTokenHandler\(\{[^\n]*\}\)/.exec(stdout)?.[0] ?? '';
  assert.ok(hint.includes('baseUrl'), stdout);
  assert.ok(hint.includes(`url: '${ws}'`), `the printed hint lacks the WebSocket url: ${hint}`);
});

test('CLI: a missing or malformed --scenario file is a one-line usage error, not a stack trace', async () => {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  for (const file of ['/nonexistent/scenario.json', `${dir}helpers.js`]) {
    const { code, stderr } = await runCli(['-p', '0', '--scenario', file]);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /^--scenario: /, stderr);
    assert.doesNotMatch(stderr, /\n\s+at /, `a stack trace:\n${stderr}`);
  }
});

/**
 * Bundles a TypeScript route module for Node (as Next.js would) and imports it with
 * OPENAI_API_KEY unset, as `next build` does when it collects page data without the secret.
 * @param {string} source the module's TypeScript
 * @param {string} name a file name for the bundle
 */
async function importWithoutKey(source, name) {
  const { build } = await import('esbuild');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { pathToFileURL } = await import('node:url');
  const dir = mkdtempSync(join(tmpdir(), 'rv-next-'));
  try {
    const result = await build({
      stdin: { contents: source, loader: 'ts', resolveDir: root, sourcefile: `${name}.ts` },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      alias: { 'realtime-voice/server': join(root, 'server/index.js') },
    });
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, result.outputFiles[0]?.text ?? '');
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      return await import(pathToFileURL(file).href);
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('Next.js route (README and examples/server/next): importing it without OPENAI_API_KEY does not throw, as `next build` does', async () => {
  const { readFileSync } = await import('node:fs');
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('**Next.js** App Router'));
  const snippet = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  assert.ok(snippet.includes('export function POST'), 'the README has a Next.js route snippet');
  const example = readFileSync(new URL('../../examples/server/next/app/realtime/session/route.ts', import.meta.url), 'utf8');
  for (const [name, source] of /** @type {const} */ ([['readme-route', snippet], ['example-route', example]])) {
    const route = await importWithoutKey(source, name);
    assert.equal(typeof route.POST, 'function', name);
    assert.equal(route.dynamic, 'force-dynamic', name);
  }
});

/** The preflight a browser sends before the widget's cross-origin `POST` (it posts JSON). */
const PREFLIGHT = { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } };

test('Express recipe: a cross-origin page listed in allowedOrigins gets its CORS preflight answered', async () => {
  process.env.OPENAI_API_KEY = 'sk-test-integrator-edges-0123456789';
  const { app } = await import('../../examples/server/express.js');
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
    const res = await fetch(`http://127.0.0.1:${port}/realtime/session`, PREFLIGHT);
    // Without these the browser never sends the POST: the widget fails with token_fetch_failed.
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://shop.example', `status ${res.status}, allow: ${res.headers.get('allow')}`);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /content-type/i);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('Hono and Next.js recipes: OPTIONS reaches the token handler (which answers CORS preflights per allowedOrigins)', async () => {
  const { readFileSync } = await import('node:fs');
  const hono = await importWithoutKey(readFileSync(new URL('../../examples/server/hono.ts', import.meta.url), 'utf8'), 'hono-route');
  const next = await importWithoutKey(readFileSync(new URL('../../examples/server/next/app/realtime/session/route.ts', import.meta.url), 'utf8'), 'next-route');
  const env = { OPENAI_API_KEY: 'sk-test-integrator-edges-0123456789' };
  const fromHono = await hono.app.fetch(new Request('https://api.shop.example/realtime/session', PREFLIGHT), env);
  process.env.OPENAI_API_KEY = env.OPENAI_API_KEY;
  assert.equal(typeof next.OPTIONS, 'function', 'the Next.js route exports no OPTIONS: Next answers preflights without CORS headers');
  const fromNext = await next.OPTIONS(new Request('https://api.shop.example/realtime/session', PREFLIGHT));
  for (const [name, res] of /** @type {const} */ ([['hono', fromHono], ['next', fromNext]])) {
    // These recipes list no allowedOrigins, so the handler refuses this origin: the point is that it answers.
    assert.equal(res.status, 403, `${name}: ${res.status}`);
    assert.equal((await res.json()).error.code, 'origin_not_allowed', name);
  }
});
