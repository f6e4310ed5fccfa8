#!/usr/bin/env node
// Audio figures of this machine, measured by the real-time browser tests of the audio engine:
// capture-to-send latency, clear() latency, heard-ms error against a tap, first-audio latency,
// and the worklets' CPU cost. Runs the tests in Chromium (the `main` group's browser: fake mic
// and autoplay), collects their `AUDIO_FIGURES {json}` lines and prints one merged JSON object.
//   node bench/audio-figures.mjs [--out file.json]
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const files = ['test/browser/audio-player.test.ts', 'test/browser/audio-capture.test.ts', 'test/browser/audio-offline.test.ts'];
const outIndex = process.argv.indexOf('--out');
const outFile = outIndex > 0 ? process.argv[outIndex + 1] : undefined;

/** Runs a command in the repo root; resolves to { code, stdout }. */
function run(cmd, args) {
  return new Promise((resolve) => {
    let stdout = '';
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d) => (stdout += d));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

const build = await run('node', ['scripts/build-worklets.mjs']);
if (build.code !== 0) {
  console.error(build.stdout);
  process.exit(1);
}

// A throw-away config: the project's, narrowed to the audio files on the main group's browser.
const dir = mkdtempSync(join(tmpdir(), 'rv-audio-figures-'));
const config = join(dir, 'wtr.config.mjs');
writeFileSync(
  config,
  `import base from ${JSON.stringify(pathToFileURL(join(root, 'web-test-runner.config.mjs')).href)};
const main = base.groups.find((g) => g.name === 'main');
export default { ...base, rootDir: ${JSON.stringify(root)}, groups: undefined, files: ${JSON.stringify(files)}, browsers: main.browsers };
`,
);
const result = await run(join(root, 'node_modules/.bin/wtr'), ['--config', config]);
rmSync(dir, { recursive: true, force: true });

const figures = {};
for (const match of result.stdout.matchAll(/AUDIO_FIGURES (\{.*\})/g)) Object.assign(figures, JSON.parse(match[1]));
const summary = result.stdout.match(/browser: (\d+) passed, (\d+) failed/);
figures.tests = summary ? { passed: Number(summary[1]), failed: Number(summary[2]) } : null;
figures.measuredAt = new Date().toISOString();

const json = JSON.stringify(figures, null, 2);
console.log(json);
if (outFile) writeFileSync(outFile, `${json}\n`);
process.exit(result.code === 0 && Object.keys(figures).length > 2 ? 0 : 1);
