// The TypeScript recipes compile against the published declarations: `realtime-voice` resolves
// through package.json "exports" to dist/lib/*.d.ts (the npm build) and `realtime-voice/server`
// to dist/types. Strict settings, no skipLibCheck (our .d.ts files are checked as a consumer's
// compiler would), and `@ts-expect-error` lines prove that mistakes are caught. The Vue SFC's
// script is compiled with @vue/compiler-sfc (as Vite would) and type-checked the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { compileScript, parse } from '@vue/compiler-sfc';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The npm build: dist/lib (rollup) and dist/types (build:types); built when missing. */
function ensureBuilt() {
  if (!existsSync(join(root, 'dist/lib/index.d.ts'))) {
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    assert.equal(r.status, 0, 'npm run build failed');
  }
  if (!existsSync(join(root, 'dist/types/server/index.d.ts'))) {
    const r = spawnSync('npm', ['run', 'build:types', '--silent'], { cwd: root, stdio: 'inherit' });
    assert.equal(r.status, 0, 'npm run build:types failed');
  }
}

/** Same test as the one in examples/vue/vite.config.ts. */
const isCustomElement = (/** @type {string} */ tag) => tag === 'realtime-voice';

/**
 * Type-checks a tsconfig's files, plus extra in-memory files; returns formatted diagnostics.
 * @param {string} configPath
 * @param {Record<string, string>} [virtualFiles] absolute path → source
 */
function typeCheck(configPath, virtualFiles = {}) {
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(String(d.messageText)) });
  assert.ok(config, `cannot read ${configPath}`);
  const host = ts.createCompilerHost(config.options);
  const { fileExists, readFile } = host;
  host.fileExists = (f) => f in virtualFiles || fileExists.call(host, f);
  host.readFile = (f) => virtualFiles[f] ?? readFile.call(host, f);
  const program = ts.createProgram({ rootNames: [...config.fileNames, ...Object.keys(virtualFiles)], options: config.options, host });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  return {
    files: program.getRootFileNames(),
    errors: ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }),
  };
}

test('the browser recipes (TypeScript consumer, React 19 TSX, Vue 3) type-check against dist/lib/*.d.ts', { timeout: 180_000 }, () => {
  ensureBuilt();
  const sfcPath = join(root, 'examples/vue/SupportWidget.vue');
  const { descriptor, errors } = parse(readFileSync(sfcPath, 'utf8'), { filename: sfcPath, templateParseOptions: { isCustomElement } });
  assert.deepEqual(errors, []);
  const script = compileScript(descriptor, { id: 'support-widget', inlineTemplate: true, templateOptions: { compilerOptions: { isCustomElement } } });
  const { files, errors: text } = typeCheck(join(root, 'examples/tsconfig.json'), { [`${sfcPath}.ts`]: script.content });
  const rel = files.map((f) => f.slice(root.length).replace(/^\//, ''));
  for (const f of ['examples/typescript/consumer.ts', 'examples/react/SupportWidget.tsx', 'examples/react/main.tsx', 'examples/vue/main.ts', 'examples/vue/SupportWidget.vue.ts']) {
    assert.ok(rel.includes(f), `${f} is type-checked`);
  }
  assert.equal(text, '', text);
});

test('the server recipes (Next.js route, Hono) type-check against dist/types', { timeout: 180_000 }, () => {
  ensureBuilt();
  const { files, errors } = typeCheck(join(root, 'examples/server/tsconfig.json'));
  assert.ok(files.some((f) => f.endsWith('next/app/realtime/session/route.ts')));
  assert.ok(files.some((f) => f.endsWith('hono.ts')));
  assert.equal(errors, '', errors);
});

test('the Vue template treats <realtime-voice> as an element only with isCustomElement, as vite.config.ts sets it', () => {
  const sfcPath = join(root, 'examples/vue/SupportWidget.vue');
  const source = readFileSync(sfcPath, 'utf8');
  const compile = (/** @type {boolean} */ custom) => {
    const options = custom ? { isCustomElement } : {};
    const { descriptor } = parse(source, { filename: sfcPath, templateParseOptions: options });
    return compileScript(descriptor, { id: 'x', inlineTemplate: true, templateOptions: { compilerOptions: options } }).content;
  };
  assert.match(compile(true), /_createElementVNode\("realtime-voice"/);
  assert.match(compile(true), /"\.tools": tools/, ':tools.prop sets the property');
  assert.match(compile(true), /onRvTranscript: onTranscript/, '@rv-transcript listens to rv-transcript');
  assert.match(compile(false), /_resolveComponent\("realtime-voice"\)/, 'without the option Vue looks for a component');
  assert.match(readFileSync(join(root, 'examples/vue/vite.config.ts'), 'utf8'), /isCustomElement: \(tag\) => tag === 'realtime-voice'/);
});
