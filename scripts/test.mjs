// `npm test`: type-check, lint, build, Node tests and browser tests, then one closing line
// `N passed, N failed[, N skipped]` over all of them. Type-check, lint and build count as one
// check each. Exits non-zero on any failure. `--only node|browser` narrows it for quick runs.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const scratch = mkdtempSync(join(tmpdir(), 'rv-test-'));
/** @typedef {{passed: number, failed: number, skipped: number}} Counts */
/** @type {Counts} */
const totals = { passed: 0, failed: 0, skipped: 0 };
/** @param {Counts} counts */
const add = (counts) => {
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
};

/**
 * Runs a command with inherited output; resolves to its exit code.
 * @param {string} cmd @param {string[]} args @param {Record<string, string>} [env]
 * @returns {Promise<number>}
 */
function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/**
 * A step that is one check: pass or fail.
 * @param {string} name @param {string} cmd @param {string[]} args
 */
async function check(name, cmd, args) {
  console.log(`\n── ${name} ──`);
  const code = await run(cmd, args);
  if (code === 0) totals.passed++;
  else {
    totals.failed++;
    console.log(`✗ ${name} failed (exit ${code})`);
  }
  return code === 0;
}

/** @param {string} name */
const bin = (name) => join('node_modules', '.bin', name);

if (!only) {
  await check('build worklets', 'node', ['scripts/build-worklets.mjs']);
  await check('type-check', bin('tsc'), ['-p', 'tsconfig.check.json']);
  await check('lint', bin('eslint'), ['.', '--max-warnings=0']);
  await check('build', 'npm', ['run', '--silent', 'build']);
}

if (!only || only === 'node') {
  console.log('\n── node tests ──');
  const nodeTests = existsSync('test/node') ? readdirSync('test/node').filter((f) => f.endsWith('.test.js')) : [];
  if (nodeTests.length) {
    const tap = join(scratch, 'node.tap');
    const code = await run('node', [
      '--test',
      '--test-concurrency=2',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tap}`,
      ...nodeTests.map((f) => join('test/node', f)),
    ]);
    const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
    /** @param {string} label */
    const num = (label) => Number(text.match(new RegExp(`^# ${label} (\\d+)$`, 'm'))?.[1] ?? 0);
    const counts = { passed: num('pass'), failed: num('fail') + num('cancelled'), skipped: num('skipped') + num('todo') };
    if (code !== 0 && counts.failed === 0) counts.failed = 1;
    console.log(`node: ${counts.passed} passed, ${counts.failed} failed`);
    add(counts);
  }
}

if (!only || only === 'browser') {
  console.log('\n── browser tests (Chromium) ──');
  const summary = join(scratch, 'browser.json');
  const code = await run(bin('wtr'), [], { RV_SUMMARY_FILE: summary });
  /** @type {Counts} */
  const counts = existsSync(summary) ? JSON.parse(readFileSync(summary, 'utf8')) : { passed: 0, failed: 1, skipped: 0 };
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  add(counts);
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed ? 1 : 0);
