// The published package: `npm pack` holds exactly what integrators need (the bundles, the
// worklets, the npm build with its .d.ts, the server, the testing kit, the manifest, README and
// LICENSE — no sources, tests, fixtures or source maps), and the tarball installed into a fresh
// project works: `realtime-voice` resolves (its browser entry cannot run in Node), its types
// compile in a consumer, and `realtime-voice/server`, `realtime-voice/simulator`,
// `realtime-voice/testing` and the `realtime-voice-server` bin run in Node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** @type {string} */ let scratch;
/** @type {string} */ let tarball;
/** @type {string[]} */ let files;

/** The artefacts `npm pack` takes from disk (prepack would rebuild them; here they are reused). */
function ensureBuilt() {
  const run = (/** @type {string[]} */ args) => {
    const r = spawnSync(npm, args, { cwd: root, stdio: 'inherit' });
    assert.equal(r.status, 0, `npm ${args.join(' ')} failed`);
  };
  if (!existsSync(join(root, 'dist/lib/index.js')) || !existsSync(join(root, 'dist/realtime-voice.iife.js'))) run(['run', 'build', '--silent']);
  if (!existsSync(join(root, 'dist/types/server/index.d.ts'))) run(['run', 'build:types', '--silent']);
  if (!existsSync(join(root, 'custom-elements.json'))) run(['run', 'analyze', '--silent']);
}

before(() => {
  ensureBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'rv-pack-'));
  const out = execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8' });
  const [info] = JSON.parse(out);
  tarball = join(scratch, info.filename);
  files = info.files.map((/** @type {{path: string}} */ f) => f.path).sort();
});

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('npm pack holds exactly the bundles, worklets, npm build + .d.ts, server, testing kit, manifest, README and LICENSE', () => {
  const allowed = [
    /^package\.json$/,
    /^README\.md$/,
    /^LICENSE$/,
    /^custom-elements\.json$/,
    /^dist\/realtime-voice(\.iife)?\.js$/,
    /^dist\/worklets\/[\w-]+\.js$/,
    /^dist\/lib\/[\w/.-]+\.(js|d\.ts)$/,
    /^dist\/types\/(server|testing)\/[\w/.-]+\.d\.ts$/,
    /^server\/[\w/.-]+\.js$/,
    /^testing\/[\w-]+\.js$/,
  ];
  const unexpected = files.filter((f) => !allowed.some((re) => re.test(f)));
  assert.deepEqual(unexpected, [], 'files that should not ship');
  for (const forbidden of [/^src\//, /^test\//, /fixtures/, /\.map$/, /node_modules/, /^examples\//, /^bench\//, /^demo\//, /^docs\//, /\.test\./]) {
    assert.deepEqual(files.filter((f) => forbidden.test(f)), [], `nothing matching ${forbidden}`);
  }
  for (const required of [
    'dist/realtime-voice.js',
    'dist/realtime-voice.iife.js',
    'dist/lib/index.js',
    'dist/lib/index.d.ts',
    'dist/lib/events.d.ts',
    'dist/types/server/index.d.ts',
    'dist/types/server/simulator/index.d.ts',
    'dist/types/testing/index.d.ts',
    'dist/types/testing/browser.d.ts',
    'server/index.js',
    'server/cli.js',
    'server/simulator/index.js',
    'testing/index.js',
    'testing/browser.js',
    'custom-elements.json',
    'README.md',
    'LICENSE',
  ]) {
    assert.ok(files.includes(required), `${required} ships`);
  }
  assert.ok(files.some((f) => f.startsWith('dist/worklets/')), 'the worklet files ship (strict-CSP hosts)');
});

test('every package.json entry point, and every relative import inside the package, resolves within it', () => {
  const set = new Set(files);
  /** @type {string[]} */
  const targets = [];
  /** @param {unknown} value */
  const collect = (value) => {
    if (typeof value === 'string') targets.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(pkg.exports);
  collect(pkg.bin);
  for (const field of ['main', 'module', 'types', 'customElements']) collect(pkg[field]);
  for (const target of targets.filter((t) => !t.includes('*'))) assert.ok(set.has(posix.normalize(target)), `${target} is in the tarball`);

  // `from './x.js'`, `import './x.js'`, `import('./x.js')` in .js and .d.ts files.
  const specifier = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g;
  /** @type {string[]} */
  const missing = [];
  for (const file of files.filter((f) => /\.(js|d\.ts)$/.test(f))) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const [, spec] of text.matchAll(specifier)) {
      const target = posix.normalize(posix.join(posix.dirname(file), /** @type {string} */ (spec)));
      const candidates = file.endsWith('.d.ts') ? [target, target.replace(/\.js$/, '.d.ts')] : [target];
      if (!candidates.some((c) => set.has(c))) missing.push(`${file} → ${spec}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('every package the shipped code or types import is declared (strict installers such as pnpm hoist nothing)', () => {
  const declared = new Set([pkg.name, ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const bare = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']((?:@[^/"']+\/)?[^./"'][^/"']*)[^"']*["']/g;
  /** @type {string[]} */
  const undeclared = [];
  // The bundles in dist/*.js carry everything inside; the rest resolves its imports at install.
  for (const file of files.filter((f) => /\.(js|d\.ts)$/.test(f) && !/^dist\/[^/]+\.js$/.test(f) && !f.startsWith('dist/worklets/'))) {
    for (const [, name = ''] of readFileSync(join(root, file), 'utf8').matchAll(bare)) {
      if (!name.startsWith('node:') && !declared.has(name)) undeclared.push(`${file} → ${name}`);
    }
  }
  assert.deepEqual(undeclared, []);
});

test('the version is the same in package.json and in the code (src/version.ts)', () => {
  const source = readFileSync(join(root, 'src/version.ts'), 'utf8');
  assert.equal(/VERSION = '([^']+)'/.exec(source)?.[1], pkg.version);
});

test('custom-elements.json is generated by the build and describes <realtime-voice>', () => {
  assert.match(pkg.scripts.build, /npm run --silent analyze/);
  assert.match(pkg.scripts.analyze, /^cem analyze --litelement/);
  assert.doesNotMatch(pkg.scripts.analyze, /--outdir/, 'an --outdir would rewrite the customElements field');
  assert.equal(pkg.customElements, 'custom-elements.json');
  const manifest = JSON.parse(readFileSync(join(root, 'custom-elements.json'), 'utf8'));
  const tags = manifest.modules.flatMap((/** @type {any} */ m) => m.declarations ?? []).map((/** @type {any} */ d) => d.tagName).filter(Boolean);
  assert.deepEqual(tags, ['realtime-voice']);
});

test('the tarball installs into a fresh project, and its entry points work there', { timeout: 180_000 }, () => {
  const app = join(scratch, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'integrator-app', version: '1.0.0', private: true, type: 'module' }, null, 2));
  // lit and ws come from the npm cache when they are there, else from the registry.
  execFileSync(npm, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: app, stdio: 'inherit' });
  const installed = join(app, 'node_modules/realtime-voice');
  assert.ok(existsSync(join(installed, 'dist/lib/index.js')));
  assert.ok(existsSync(join(app, 'node_modules/lit/index.js')), 'lit is installed as a dependency');
  assert.ok(existsSync(join(app, 'node_modules/ws/index.js')), 'ws is installed as a dependency');
  assert.ok(!existsSync(join(app, 'node_modules/espeak-ng')), 'the GPL voice stays a devDependency');

  writeFileSync(
    join(app, 'check.mjs'),
    `import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { createTokenHandler } from 'realtime-voice/server';
import { createRealtimeServer } from 'realtime-voice/simulator';
import { realtimeVoicePlugin } from 'realtime-voice/testing';

const out = {};
const path = (s) => fileURLToPath(import.meta.resolve(s)).replace(process.cwd() + '/node_modules/realtime-voice/', '');
// The browser entry is resolved, not run: it defines a custom element.
out.resolved = ['realtime-voice', 'realtime-voice/testing', 'realtime-voice/testing/browser', 'realtime-voice/dist/realtime-voice.js', 'realtime-voice/custom-elements.json'].map(path);
out.exists = out.resolved.every((p) => existsSync('node_modules/realtime-voice/' + p));

const apiKey = 'sk-integrator-test-0123456789';
const server = await createRealtimeServer({ apiKey, voiceEngine: 'synthetic' });
const handler = createTokenHandler({ apiKey, baseUrl: server.httpUrl, url: server.url });
const response = await handler(new Request('http://localhost/realtime/session', { method: 'POST' }));
const token = await response.json();
out.status = response.status;
out.url = token.url === server.url;
out.created = await new Promise((resolve, reject) => {
  const ws = new WebSocket(server.url, ['realtime', 'openai-insecure-api-key.' + token.value]);
  ws.on('message', (data) => { const e = JSON.parse(String(data)); if (e.type === 'session.created') { ws.close(); resolve(e.type); } });
  ws.on('error', reject);
});
await server.close();

const plugin = realtimeVoicePlugin({ scenario: { greeting: 'Hi' } });
await plugin.serverStart({});
const config = await plugin.serve({ path: '/__rv/config.js' });
out.plugin = plugin.name;
out.config = /ws:\\/\\/127\\.0\\.0\\.1:\\d+\\/v1\\/realtime/.test(config.body);
await plugin.serverStop();
console.log(JSON.stringify(out));
`,
  );
  const result = JSON.parse(execFileSync(process.execPath, ['check.mjs'], { cwd: app, encoding: 'utf8' }));
  assert.deepEqual(result, {
    resolved: ['dist/lib/index.js', 'testing/index.js', 'testing/browser.js', 'dist/realtime-voice.js', 'custom-elements.json'],
    exists: true,
    status: 200,
    url: true,
    created: 'session.created',
    plugin: 'realtime-voice-testing',
    config: true,
  });

  const help = execFileSync(join(app, 'node_modules/.bin/realtime-voice-server'), ['--help'], { encoding: 'utf8' });
  assert.match(help, /Usage: realtime-voice-server/);
});

test('a TypeScript consumer of the installed package type-checks (element, events, server, testing kit)', { timeout: 120_000 }, () => {
  const app = join(scratch, 'app');
  assert.ok(existsSync(join(app, 'node_modules/realtime-voice')), 'installed by the previous test');
  const browserFile = join(app, 'src/widget.ts');
  const serverFile = join(app, 'server/token.ts');
  const sources = {
    [browserFile]: `import 'realtime-voice';
import type { RealtimeVoiceElement, TokenResponse } from 'realtime-voice';
import { useLocalServer, waitForTranscript } from 'realtime-voice/testing';
const el: RealtimeVoiceElement = document.createElement('realtime-voice');
el.addEventListener('rv-transcript', (e) => console.log(e.detail.text.toUpperCase(), e.detail.final));
el.addEventListener('rv-error', (e) => console.log(e.detail.code === 'mic_permission_denied'));
el.getToken = async (): Promise<TokenResponse> => ({ value: 'ek_1', expires_at: 1 });
const agent = document.querySelector('realtime-voice');
export async function run(): Promise<string> {
  await useLocalServer(el);
  agent?.sendText('hi');
  return (await waitForTranscript(el, { match: /hi/ })).text;
}
// @ts-expect-error: unknown turn detection mode
el.turnDetection = 'loud';
`,
    [serverFile]: `import { createTokenHandler, type TokenHandlerOptions } from 'realtime-voice/server';
import { createRealtimeServer, type Scenario } from 'realtime-voice/simulator';
import { realtimeVoicePlugin } from 'realtime-voice/testing';
const options: TokenHandlerOptions = { apiKey: 'sk-x', allowedOrigins: ['https://shop.example'], rateLimit: { max: 5 } };
export const handler = createTokenHandler(options);
export const POST = (request: Request): Promise<Response> => handler(request);
const scenario: Scenario = { replies: ['Hello'] };
export const server = createRealtimeServer({ scenario });
export const plugin = realtimeVoicePlugin({ scenario, tokenPath: '/api/session' });
// @ts-expect-error: apiKey is required
createTokenHandler({});
`,
  };
  for (const [file, text] of Object.entries(sources)) {
    execFileSync('mkdir', ['-p', dirname(file)]);
    writeFileSync(file, text);
  }
  const common = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, skipLibCheck: true };
  const check = (/** @type {string} */ file, /** @type {ts.CompilerOptions} */ options) => {
    const program = ts.createProgram([file], { ...common, ...options });
    return ts.formatDiagnostics(ts.getPreEmitDiagnostics(program), { getCanonicalFileName: (f) => f, getCurrentDirectory: () => app, getNewLine: () => '\n' });
  };
  // A browser app (bundler resolution: the `testing` entry gives the browser helpers).
  assert.equal(check(browserFile, { moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'], types: [] }), '');
  // A Node backend and a wtr config (node16 resolution: the `testing` entry gives the plugin).
  const nodeTypes = join(root, 'node_modules/@types');
  assert.equal(
    check(serverFile, { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, lib: ['lib.es2023.d.ts'], types: ['node'], typeRoots: [nodeTypes] }),
    '',
  );
});
