import { rollup } from 'rollup';
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { minify } from 'terser';
import { gzipSync } from 'node:zlib';
const b = await rollup({ input: 'src/index.ts', plugins: [nodeResolve(), typescript({ tsconfig: './tsconfig.json', declaration: false, declarationMap: false, outDir: 'dist', rootDir: 'src', sourceMap: false })] });
const { output } = await b.generate({ format: 'es' });
const code = output[0].code;
const variants = {
  base: { ecma: 2020, module: true, compress: { passes: 2 } },
  p3: { ecma: 2020, module: true, compress: { passes: 3 } },
  unsafe: { ecma: 2020, module: true, compress: { passes: 3, unsafe: true, unsafe_arrows: true, unsafe_methods: true, pure_getters: true, unsafe_comps: true, unsafe_math: true } },
  e2022: { ecma: 2022, module: true, compress: { passes: 3, unsafe: true, unsafe_arrows: true, unsafe_methods: true, pure_getters: true } },
};
for (const [k, o] of Object.entries(variants)) {
  const r = await minify(code, o);
  console.log(k, r.code.length, gzipSync(r.code, { level: 9 }).length);
}
