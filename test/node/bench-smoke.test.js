// `npm run bench` in its quickest mode (BENCH_QUICK=1, about a minute): it must run to the end
// and produce all nine figures with sane types. The figures themselves are not checked against
// their targets here — the bench is a tool, not a test (see BENCHMARKS.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executablePath } from '../chromium.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** @param {unknown} x */
const isNum = (x) => typeof x === 'number' && Number.isFinite(x);

/**
 * A distribution as the bench reports it ({n, p50, p95, max, …}).
 * @param {any} d
 * @param {string} what
 */
function assertDist(d, what) {
  assert.ok(d && typeof d === 'object', `${what}: missing`);
  assert.ok(isNum(d.n) && d.n > 0, `${what}: no samples`);
  for (const k of ['p50', 'p95', 'max']) assert.ok(isNum(d[k]), `${what}.${k} is not a number: ${d[k]}`);
  assert.ok(d.p50 <= d.p95 && d.p95 <= d.max, `${what}: p50 ≤ p95 ≤ max`);
}

test('npm run bench (BENCH_QUICK=1) produces all nine figures', { skip: executablePath ? false : 'no Chromium', timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rv-bench-smoke-'));
  const out = join(dir, 'results.json');
  try {
    /** @type {string[]} */
    const output = [];
    const code = await new Promise((resolve) => {
      const child = spawn(process.execPath, ['bench/run.mjs'], { cwd: root, env: { ...process.env, BENCH_QUICK: '1', BENCH_OUT: out, BENCH_ONLY: '1,2,3,4,5,6,7,8,9' }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d) => output.push(String(d)));
      child.stderr.on('data', (d) => output.push(String(d)));
      child.on('exit', (c) => resolve(c));
    });
    assert.equal(code, 0, `bench exited ${code}:\n${output.join('').slice(-3000)}`);
    const { meta, figures: F } = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(meta.mode, 'quick');
    assert.ok(isNum(meta.machine.cores) && typeof meta.machine.cpu === 'string' && typeof meta.chromium === 'string');
    assert.deepEqual(Object.keys(F).map(Number).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const [k, f] of Object.entries(F)) {
      assert.equal(typeof f.pass, 'boolean', `figure ${k}: pass`);
      assert.equal(typeof f.target, 'string', `figure ${k}: target`);
    }

    for (const b of [F[1].bundles.esm, F[1].bundles.iife]) {
      assert.ok(isNum(b.minified.bytes) && isNum(b.minified.gzip) && b.minified.gzip < b.minified.bytes);
      assert.ok(b.raw === null || (isNum(b.raw.bytes) && b.raw.bytes >= b.minified.bytes));
    }
    assert.ok(isNum(F[1].context.wavtools.gzip) && isNum(F[1].context.litMinimalElement.gzip));

    for (const s of ['ours', 'reference']) {
      assertDist(F[2][s].oldestSampleMs, `figure 2 ${s}`);
      assertDist(F[3][s], `figure 3 ${s}`);
      assertDist(F[4][s], `figure 4 ${s}`);
      assert.ok(F[5][s].interruptions >= 1, `figure 5 ${s}: interruptions`);
      assertDist(F[5][s].errorVsAtSpeakerMs, `figure 5 ${s}`);
      assert.ok(isNum(F[6][s].underruns) && isNum(F[6][s].clicks) && F[6][s].responses >= 1, `figure 6 ${s}`);
      assert.ok(isNum(F[7][s].taskMsPerMin) && F[7][s].taskMsPerMin > 0 && isNum(F[7][s].longTasks), `figure 7 ${s}`);
    }
    assert.ok(isNum(F[2].ratio.p50) && isNum(F[7].ratio));
    assert.ok(isNum(F[8].heap.growthBytes) && F[8].heap.turns >= 1);
    for (const k of ['contexts', 'tracks', 'sockets']) assert.ok(isNum(F[8].cycles.afterStop[k]), `figure 8 ${k}`);
    assert.ok(isNum(F[9].maxSessions) && Array.isArray(F[9].steps) && F[9].steps.length >= 1);
    assert.ok(isNum(F[9].steps[0].lagP99));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
