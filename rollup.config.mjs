// Two script-tag bundles (ES module and classic IIFE, Lit and worklets inside, minified) and the
// unbundled npm build with .d.ts. The worklets are built first by scripts/build-worklets.mjs.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { minifyTemplates } from './scripts/minify-templates.mjs';

// Issue 5: ≤ 20 KB gzip per bundle is the target; the build fails above 24 KB.
const BUDGET_FAIL = 24 * 1024;

/** Prints raw and gzip sizes and fails the build past the hard budget. */
function sizeReport() {
  return {
    name: 'size-report',
    writeBundle(options, bundle) {
      for (const [file, chunk] of Object.entries(bundle)) {
        if (chunk.type !== 'chunk') continue;
        const raw = Buffer.byteLength(chunk.code);
        const gz = gzipSync(chunk.code, { level: 9 }).length;
        console.log(`${options.dir ?? ''}${options.file ?? file}: ${raw} B raw, ${gz} B gzip`);
        if (gz > BUDGET_FAIL) this.error(`${file} is ${gz} B gzip, over the ${BUDGET_FAIL} B budget`);
      }
    },
  };
}

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const banner = `/*! realtime-voice ${pkg.version} | MIT */`;
// A classic script must keep its top-level `var RealtimeVoice`: terser's module mode drops it.
const bundlePlugins = (module = true) => [
  nodeResolve(),
  typescript({ tsconfig: './tsconfig.json', declaration: false, declarationMap: false, outDir: 'dist', rootDir: 'src', sourceMap: false }),
  minifyTemplates(),
  // pure_getters: no getter here is read for its side effect (terser may then move or drop reads).
  terser({ ecma: 2020, module, compress: { passes: 2, pure_getters: true }, format: { comments: /^!/ } }),
  sizeReport(),
];

export default [
  {
    input: 'src/index.ts',
    output: { file: 'dist/realtime-voice.js', format: 'es', banner },
    plugins: bundlePlugins(),
  },
  {
    input: 'src/index.ts',
    output: { file: 'dist/realtime-voice.iife.js', format: 'iife', name: 'RealtimeVoice', banner },
    plugins: bundlePlugins(false),
  },
  {
    // npm build: one module per source file, lit left as a dependency.
    input: 'src/index.ts',
    external: [/^lit/, /^@lit/],
    output: { dir: 'dist/lib', format: 'es', preserveModules: true, preserveModulesRoot: 'src', sourcemap: true },
    plugins: [typescript({ tsconfig: './tsconfig.json', outDir: 'dist/lib', declarationDir: 'dist/lib', rootDir: 'src' })],
  },
];
