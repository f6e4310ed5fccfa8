// `npm run size`: where the script-tag bundle's bytes go. Builds the ES bundle in memory (as
// rollup.config.mjs does, with a source map), attributes every minified byte to its source module
// and prints each module's minified size and its share of the bundle's gzip size (each module's
// bytes gzipped alone, scaled so the column sums to the real total). Needs the worklet sources:
// run `node scripts/build-worklets.mjs` first (npm run build does).
import { gzipSync } from 'node:zlib';
import { rollup } from 'rollup';
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { SourceMapConsumer } from 'source-map-js';
import { minifyTemplates } from './minify-templates.mjs';

const bundle = await rollup({
  input: 'src/index.ts',
  plugins: [
    nodeResolve(),
    typescript({ tsconfig: './tsconfig.json', declaration: false, declarationMap: false, outDir: 'dist', rootDir: 'src', sourceMap: true }),
    minifyTemplates(),
    terser({ ecma: 2020, module: true, compress: { passes: 2, pure_getters: true } }),
  ],
});
const { output } = await bundle.generate({ format: 'es', sourcemap: true });
await bundle.close();
const { code, map } = output[0];

/** Minified text per source module. */
/** @type {Map<string, string>} */
const bySource = new Map();
const lines = code.split('\n');
/** @type {import('source-map-js').MappingItem[]} */
const mappings = [];
new SourceMapConsumer(/** @type {any} */ (map)).eachMapping((m) => mappings.push(m));
mappings.sort((a, b) => a.generatedLine - b.generatedLine || a.generatedColumn - b.generatedColumn);
mappings.forEach((m, i) => {
  const next = mappings[i + 1];
  const line = lines[m.generatedLine - 1] ?? '';
  const end = next?.generatedLine === m.generatedLine ? next.generatedColumn : line.length;
  const source = (m.source ?? '?').replace(/.*node_modules\//, '').replace(/.*\/src\//, 'src/');
  bySource.set(source, (bySource.get(source) ?? '') + line.slice(m.generatedColumn, end));
});

const gzip = (/** @type {string} */ text) => gzipSync(text, { level: 9 }).length;
const total = gzip(code);
const rows = [...bySource].map(([source, text]) => ({ source, min: text.length, gz: gzip(text) }));
const isolated = rows.reduce((sum, r) => sum + r.gz, 0);
rows.sort((a, b) => b.gz - a.gz);
console.log('   min B  gzip B*  module');
for (const r of rows) console.log(`${String(r.min).padStart(8)} ${String(Math.round((r.gz * total) / isolated)).padStart(8)}  ${r.source}`);
console.log(`${String(code.length).padStart(8)} ${String(total).padStart(8)}  total (* share of the bundle's gzip)`);
