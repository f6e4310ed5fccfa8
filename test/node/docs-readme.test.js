// The README says what the code does: its reference section is what the Custom Elements Manifest
// analyzer makes of src/ today, it covers the whole contract of docs/API.md and every error code,
// its option tables list every option of the token handler, the CLI and the testing kit, its
// token-endpoint snippets are the tested files of examples/server/, and its links resolve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { END, START, analyze, renderReference, withReference } from '../../docs/reference.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (/** @type {string} */ path) => readFileSync(join(root, path), 'utf8');
const readme = read('README.md');
const api = read('docs/API.md');
const pkg = JSON.parse(read('package.json'));

/**
 * The text of a README section: from its heading to the next heading of the same or a higher level.
 * @param {string} heading e.g. '## Errors and troubleshooting'
 */
function section(heading) {
  const start = readme.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `README has "${heading}"`);
  const level = heading.match(/^#+/)?.[0].length ?? 2;
  const rest = readme.slice(start + heading.length + 2);
  const next = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  return next < 0 ? rest : rest.slice(0, next);
}

/** First-column code names of the Markdown tables in `text` (`| \`name\` | …`). */
const tableNames = (/** @type {string} */ text) => [...text.matchAll(/^\| `([^`]+)`/gm)].map((m) => /** @type {string} */ (m[1]));

test('the reference section is what `npm run docs` generates from the source (run it after changing the element)', { timeout: 120_000 }, async () => {
  const manifest = await analyze();
  const expected = withReference(readme, renderReference(manifest));
  assert.ok(readme.includes(START) && readme.includes(END));
  if (expected !== readme) {
    const got = readme.slice(readme.indexOf(START), readme.indexOf(END)).split('\n');
    const want = expected.slice(expected.indexOf(START), expected.indexOf(END)).split('\n');
    const diff = want.filter((l) => !got.includes(l)).map((l) => `+ ${l}`).concat(got.filter((l) => !want.includes(l)).map((l) => `- ${l}`));
    assert.fail(`README.md reference is out of date; run \`npm run docs\`:\n${diff.join('\n')}`);
  }
});

test('every attribute, property, method, event, part and custom property of docs/API.md is in the README', () => {
  const reference = readme.slice(readme.indexOf(START), readme.indexOf(END));
  const names = new Set();
  // API.md's element table: `attr` | `prop` | …; its lists of methods, events, parts and properties.
  for (const m of api.matchAll(/^\| (`[^|]+`|—) \| (`[^|]+`|camelCase|—) \|/gm)) {
    for (const n of `${m[1]} ${m[2]}`.matchAll(/`([\w-]+)`/g)) names.add(n[1]);
  }
  for (const m of api.matchAll(/`(start|stop|sendText|interrupt)\(/g)) names.add(m[1]);
  for (const m of api.matchAll(/^\| `(rv-[\w-]+)` \|/gm)) names.add(m[1]);
  const styling = api.slice(api.indexOf('## Styling'));
  for (const m of styling.matchAll(/`(--realtime-voice-[\w-]+)`/g)) names.add(m[1]);
  const parts = styling.slice(styling.indexOf('::part()')).split(')')[1] ?? '';
  for (const m of parts.matchAll(/`([a-z-]+)`/g)) names.add(m[1]);
  // API.md abbreviates `--realtime-voice-accent`, `-background`, … : expand the short forms.
  for (const m of styling.matchAll(/`-([a-z][a-z-]*)`/g)) names.add(`--realtime-voice-${m[1]}`);
  assert.ok(names.size > 50, `read ${names.size} names from docs/API.md`);
  const missing = [...names].filter((n) => !reference.includes(`\`${n}\``) && !reference.includes(`\`${n}(`));
  // API.md groups the VAD tuning attributes in one row ("camelCase").
  assert.deepEqual(missing, []);
});

test('the troubleshooting table explains every error code (docs/API.md and the ErrorCode type)', () => {
  const fromApi = [...(api.slice(api.indexOf('Stable error codes')).split('\n\n')[0] ?? '').matchAll(/`([a-z_]+)`/g)].map((m) => String(m[1]));
  const union = read('src/session/types.ts').split('export type ErrorCode =')[1]?.split(';')[0] ?? '';
  const fromSource = [...union.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]);
  assert.equal(fromApi.length, 13);
  assert.deepEqual([...fromSource].sort(), [...fromApi].sort(), 'ErrorCode matches the contract');
  const documented = tableNames(section('## Errors and troubleshooting'));
  assert.deepEqual([...documented].sort(), [...fromApi].sort());
});

test('the token handler options table lists every option of createTokenHandler', () => {
  const typedef = read('server/index.js').split('@typedef {object} TokenHandlerOptions')[1]?.split('*/')[0] ?? '';
  const options = [...typedef.matchAll(/@property \{[^}]*(?:\{[^}]*\}[^}]*)*\} \[?(\w+)/g)].map((m) => String(m[1]));
  assert.ok(options.length >= 10, `read ${options.length} options`);
  const documented = tableNames(section('### Options')).flatMap((n) => n.split(/`, `/));
  const rows = section('### Options');
  const missing = options.filter((o) => !documented.includes(o) && !rows.includes(`\`${o}\``));
  assert.deepEqual(missing, []);
});

test('the local server table lists every option of realtime-voice-server --help', () => {
  const usage = read('server/cli.js').split('const usage = `')[1]?.split('`;')[0] ?? '';
  const options = [...usage.matchAll(/(?:^|\s)(--[a-z-]+)/g)].map((m) => String(m[1]));
  assert.ok(options.length >= 8);
  const rows = section('## The local Realtime server');
  assert.deepEqual(options.filter((o) => !rows.includes(o)), []);
});

test('the testing kit tables list every browser helper and plugin option', async () => {
  const browser = read('testing/browser.js');
  const helpers = [...browser.matchAll(/^export (?:async )?function (\w+)/gm)].map((m) => m[1]);
  const rows = section('## Testing your integration');
  assert.deepEqual(helpers.filter((h) => !rows.includes(`\`${h}(`)), []);
  const typedef = read('testing/index.js').split('@typedef {object} RealtimeVoicePluginOptions')[1]?.split('*/')[0] ?? '';
  const options = [...typedef.matchAll(/\[(\w+)\]/g)].map((m) => m[1]);
  assert.deepEqual(options.filter((o) => !rows.includes(`| \`${o}\` |`)), []);
});

test('the token-endpoint snippets are lines of the tested recipes in examples/server/', () => {
  const text = section('## Your backend: the token endpoint').split('\n### ')[0] ?? '';
  const recipes = readdirSync(join(root, 'examples/server'), { recursive: true })
    .map(String)
    .filter((f) => /\.(js|ts)$/.test(f))
    .map((f) => read(`examples/server/${f}`))
    .join('\n');
  const known = new Set(recipes.split('\n').map((l) => l.replace(/\s*\/\/.*$/, '').trim()));
  const blocks = [...text.matchAll(/```(?:js|ts)\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  assert.ok(blocks.length >= 4);
  const strays = blocks
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/\s*\/\/.*$/, '').trim())
    .filter((l) => l && !l.includes('…'))
    .filter((l) => !known.has(l));
  assert.deepEqual(strays, [], 'README lines that no tested recipe contains');
});

test('the quick start is exactly `npm start` and `npm test`, and the scripts the docs name exist', () => {
  const quick = section('## Quick start');
  const commands = [...quick.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => (m[1] ?? '').split('\n')).filter(Boolean);
  assert.deepEqual(
    commands.map((c) => c.replace(/\s+#.*$/, '')),
    ['npm install && npm start', 'npm test'],
  );
  for (const doc of ['README.md', 'CONTRIBUTING.md']) {
    for (const [, script] of read(doc).matchAll(/npm run ([\w-]+(?::[\w-]+)?)/g)) assert.ok(pkg.scripts[/** @type {string} */ (script)], `${doc}: npm run ${script} exists`);
  }
});

test('relative links and #anchors of README, CONTRIBUTING and CHANGELOG resolve', () => {
  const slug = (/** @type {string} */ h) => h.toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
  const anchors = new Set([...readme.matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1] ?? '')));
  for (const doc of ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md']) {
    for (const [, target] of read(doc).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(https?:|mailto:)/.test(target ?? '')) continue;
      const [path, hash] = /** @type {string} */ (target).split('#');
      if (path) assert.ok(existsSync(join(root, path)), `${doc} links to ${path}`);
      if (hash && (!path || path === 'README.md')) assert.ok(anchors.has(hash), `${doc} links to README#${hash}`);
    }
  }
});

test('the changelog has an entry for the package version', () => {
  assert.match(read('CHANGELOG.md'), new RegExp(`^## ${pkg.version.replace(/\./g, '\\.')} - \\d{4}-\\d{2}-\\d{2}$`, 'm'));
  assert.match(read('CHANGELOG.md'), /^## Unreleased$/m);
});

test('the demo table lists every environment variable demo/server.js reads, and no other', () => {
  const used = new Set([...read('demo/server.js').matchAll(/process\.env\.([A-Z_]+)/g)].map((m) => String(m[1])));
  const firstCells = [...section('## The demo').matchAll(/^\| ([^|]+) \|/gm)].map((m) => String(m[1]));
  const documented = new Set(firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z_]+)`/g)].map((m) => String(m[1]))));
  assert.deepEqual([...used].filter((v) => !documented.has(v)), [], 'read by the demo, missing from the README');
  assert.deepEqual([...documented].filter((v) => !used.has(v)), [], 'in the README, never read by the demo');
});

test('the reference\'s CSS parts are the template\'s, and its custom-property defaults are the stylesheet\'s', () => {
  const source = read('src/realtime-voice.ts');
  const styles = read('src/realtime-voice.styles.ts');
  const reference = readme.slice(readme.indexOf(START), readme.indexOf(END));
  const documentedParts = tableNames(reference.slice(reference.indexOf('### CSS parts'), reference.indexOf('### CSS custom properties')));
  // Parts in the template: part="a b", part="message message-${role}" (both roles), part=${x ? 'a' : 'b'}.
  const rendered = new Set();
  for (const [, list] of source.matchAll(/\spart="([^"]+)"/g)) {
    for (const name of String(list).split(/\s+/)) {
      if (name.includes('${role}')) for (const role of ['user', 'assistant']) rendered.add(name.replace('${role}', role));
      else rendered.add(name);
    }
  }
  for (const [, expr] of source.matchAll(/\spart=\$\{([^}]+)\}/g)) for (const [, name] of String(expr).matchAll(/'([a-z-]+)'/g)) rendered.add(name);
  assert.deepEqual([...documentedParts].sort(), [...rendered].sort());
  // A documented default is the fallback of the property's var(), directly or through a --_*0 token.
  const tokens = Object.fromEntries([...(styles.split('\n').find((l) => l.startsWith(':host { --_bg0')) ?? '').matchAll(/(--_\w+): ([^;}]+?)\s*[;}]/g)].map((m) => [m[1], m[2]]));
  const rows = [...reference.slice(reference.indexOf('### CSS custom properties')).matchAll(/^\| `(--realtime-voice-[\w-]+)` \| `([^`]+)` \|/gm)];
  assert.ok(rows.length >= 14, `read ${rows.length} custom properties`);
  for (const [, name, documented] of rows) {
    const fallback = new RegExp(`var\\(${name}, ((?:var\\([^)]*\\)|[^)])+)\\)`).exec(styles)?.[1];
    assert.ok(fallback, `${name} is read by the stylesheet`);
    const actual = fallback.replace(/^var\((--_\w+)\)$/, (_, token) => tokens[token] ?? token);
    assert.equal(actual, documented, `${name}'s default`);
  }
});
