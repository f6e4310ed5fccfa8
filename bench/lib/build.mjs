// Builds what the bench measures and serves, into a scratch directory (never into dist/):
// - the two script-tag bundles with the project's own rollup config (figure 1: raw = the same
//   build without terser, minified = as shipped, gzip -9 and brotli of the minified file); the
//   minified ES module is also what the bench pages load as "ours";
// - the bench page (bench/page/*.ts) and its init script, with esbuild;
// - for context in figure 1, in the same run: Lit 3 with one minimal element, and wavtools, each
//   bundled and minified with esbuild.
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { rollup } from 'rollup';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const benchDir = fileURLToPath(new URL('../', import.meta.url));

/** Newest mtime (ms) of the files under `dir` that end with `.ts`. */
async function newestTs(dir) {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestTs(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.generated.ts')) newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

/** Runs `npm run build`'s first step (scripts/build-worklets.mjs) when its output is missing or stale. */
export async function ensureWorkletSources() {
  const generated = join(repoRoot, 'src/audio/worklet-sources.generated.ts');
  const fresh = existsSync(generated) && (await stat(generated)).mtimeMs >= (await newestTs(join(repoRoot, 'src/audio')));
  if (fresh) return false;
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/build-worklets.mjs'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve(undefined) : reject(new Error(`build-worklets exited ${code}`))));
  });
  return true;
}

const sizes = (code) => {
  const buf = Buffer.from(code);
  return {
    bytes: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
};

/**
 * Figure 1. One rollup pass over src/index.ts with the config's plugins minus terser (one
 * TypeScript compile), then each bundle generated raw and minified (terser as an output plugin:
 * it only has a renderChunk hook, so the result is byte-identical to `rollup -c`).
 * @param {string} outDir
 */
export async function buildBundles(outDir) {
  const cwd = process.cwd();
  process.chdir(repoRoot);
  try {
    const { default: configs } = await import(join(repoRoot, 'rollup.config.mjs'));
    const [esm, iife] = configs;
    const terser = esm.plugins.find((p) => p.name === 'terser');
    const plugins = esm.plugins.filter((p) => p.name !== 'terser' && p.name !== 'size-report');
    const started = Date.now();
    const bundle = await rollup({ input: esm.input, plugins, onwarn: () => {} });
    const result = {};
    for (const [name, config] of [
      ['esm', esm],
      ['iife', iife],
    ]) {
      const { file: _file, ...output } = config.output;
      const raw = (await bundle.generate(output)).output[0].code;
      const min = (await bundle.generate({ ...output, plugins: [terser] })).output[0].code;
      result[name] = { file: config.output.file, raw: sizes(raw), minified: sizes(min) };
      if (name === 'esm') await writeFile(join(outDir, 'realtime-voice.js'), min);
    }
    await bundle.close();
    return { bundles: result, buildMs: Date.now() - started };
  } finally {
    process.chdir(cwd);
  }
}

/**
 * `buildBundles`, retried while the sources are mid-edit (others work in this tree), then falling
 * back to the project's last `npm run build` output in dist/ (sizes of the minified files only).
 * @param {string} outDir
 * @param {{retries?: number, delayMs?: number, log?: (s: string) => void}} [options]
 */
export async function buildBundlesOrFallback(outDir, { retries = 2, delayMs = 15000, log = () => {} } = {}) {
  /** @type {unknown} */
  let failure;
  for (let attempt = 0; attempt <= retries; attempt++) {
    try {
      return { source: 'src (rollup.config.mjs, built by the bench)', ...(await buildBundles(outDir)) };
    } catch (error) {
      failure = error;
      log(`bundle build failed (${String(/** @type {Error} */ (error).message ?? error).split('\n')[0]})${attempt < retries ? `; retrying in ${delayMs / 1000} s` : ''}`);
      if (attempt < retries) await new Promise((r) => setTimeout(r, delayMs));
    }
  }
  const esmFile = join(repoRoot, 'dist/realtime-voice.js');
  const iifeFile = join(repoRoot, 'dist/realtime-voice.iife.js');
  if (!existsSync(esmFile)) throw failure;
  const esm = await readFile(esmFile, 'utf8');
  await writeFile(join(outDir, 'realtime-voice.js'), esm);
  const result = { esm: { file: 'dist/realtime-voice.js', raw: null, minified: sizes(esm) } };
  if (existsSync(iifeFile)) result.iife = { file: 'dist/realtime-voice.iife.js', raw: null, minified: sizes(await readFile(iifeFile, 'utf8')) };
  return {
    source: `dist/ as last built (${(await stat(esmFile)).mtime.toISOString()}): building src failed: ${String(/** @type {Error} */ (failure).message ?? failure).split('\n')[0]}`,
    bundles: result,
    buildMs: 0,
  };
}

/**
 * Quick mode: the bundles as last built in dist/ (`npm run build`; `npm test` builds before its
 * Node tests), "raw" from an unminified esbuild bundle of src (seconds instead of a TypeScript
 * rollup pass). Builds like the full run when dist/ has no bundle.
 * @param {string} outDir
 */
export async function quickBundles(outDir) {
  const esmFile = join(repoRoot, 'dist/realtime-voice.js');
  const iifeFile = join(repoRoot, 'dist/realtime-voice.iife.js');
  if (!existsSync(esmFile) || !existsSync(iifeFile)) return buildBundlesOrFallback(outDir, { retries: 0 });
  const esm = await readFile(esmFile, 'utf8');
  await writeFile(join(outDir, 'realtime-voice.js'), esm);
  const raw = async (/** @type {'esm' | 'iife'} */ format) => {
    try {
      const r = await esbuild.build({ entryPoints: [join(repoRoot, 'src/index.ts')], bundle: true, format, write: false, target: 'es2020', logLevel: 'silent' });
      return sizes(r.outputFiles[0].text);
    } catch {
      return null; // sources mid-edit
    }
  };
  return {
    source: `dist/ as last built (${(await stat(esmFile)).mtime.toISOString()}); raw = unminified esbuild bundle of src (quick mode)`,
    bundles: {
      esm: { file: 'dist/realtime-voice.js', raw: await raw('esm'), minified: sizes(esm) },
      iife: { file: 'dist/realtime-voice.iife.js', raw: await raw('iife'), minified: sizes(await readFile(iifeFile, 'utf8')) },
    },
    buildMs: 0,
  };
}

/** Lit with one minimal element, and wavtools: bundled + minified with esbuild, for scale. */
export async function contextSizes() {
  const lit = await esbuild.build({
    stdin: {
      contents: "import {LitElement, html} from 'lit'; class X extends LitElement { render() { return html`<p>hi</p>`; } } customElements.define('x-min', X);",
      resolveDir: repoRoot,
      loader: 'js',
    },
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
    target: 'es2021',
  });
  const wavtools = await esbuild.build({
    stdin: { contents: "export { WavRecorder, WavStreamPlayer } from 'wavtools';", resolveDir: repoRoot, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
    target: 'es2021',
  });
  return { litMinimalElement: sizes(lit.outputFiles[0].text), wavtools: sizes(wavtools.outputFiles[0].text) };
}

/**
 * The bench page and its init script.
 * @param {string} outDir
 * @returns {Promise<{instrument: string}>}
 */
export async function buildPage(outDir) {
  await mkdir(outDir, { recursive: true });
  const worklet = await esbuild.build({
    entryPoints: [join(benchDir, 'page/bench-worklet.ts')],
    bundle: true,
    format: 'esm',
    write: false,
    target: 'es2022',
  });
  const workletPlugin = {
    name: 'rvb-bench-worklet',
    setup(build) {
      build.onResolve({ filter: /^rvb:bench-worklet$/ }, (args) => ({ path: args.path, namespace: 'rvb' }));
      build.onLoad({ filter: /.*/, namespace: 'rvb' }, () => ({ contents: `export default ${JSON.stringify(worklet.outputFiles[0].text)};`, loader: 'js' }));
    },
  };
  await esbuild.build({
    entryPoints: [join(benchDir, 'page/harness.ts')],
    bundle: true,
    format: 'esm',
    outfile: join(outDir, 'harness.js'),
    target: 'es2022',
    plugins: [workletPlugin],
    logLevel: 'error',
  });
  const instrument = await esbuild.build({
    entryPoints: [join(benchDir, 'page/instrument.ts')],
    bundle: true,
    format: 'iife',
    write: false,
    target: 'es2022',
  });
  return { instrument: instrument.outputFiles[0].text };
}
