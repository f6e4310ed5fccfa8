// One headless Chromium for the whole run (both stacks, same browser, same run); a fresh browser
// context (own profile, own renderer) per measured page.
import { launchChromium } from '../../test/chromium.mjs';

/**
 * @param {string} micWav the looping fake-microphone file
 */
export async function launch(micWav) {
  // No `%noloop`: the fake device loops the file, so capture never runs dry.
  return launchChromium({ args: [`--use-file-for-fake-audio-capture=${micWav}`] });
}

/**
 * @typedef {object} BenchPage
 * @property {import('playwright-core').Page} page
 * @property {import('playwright-core').CDPSession} cdp
 * @property {<T>(fn: string, ...args: unknown[]) => Promise<T>} call `window.rvb[fn](...args)`
 * @property {() => Promise<void>} close
 */

/**
 * Opens the harness page with the init script configured by `cfg`.
 * @param {import('playwright-core').Browser} browser
 * @param {{baseUrl: string, instrument: string}} env
 * @param {{hooks: boolean, strong: boolean, mic: 'device' | 'controlled'}} cfg
 * @returns {Promise<BenchPage>}
 */
export async function openPage(browser, env, cfg) {
  const context = await browser.newContext();
  const page = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && process.env.BENCH_DEBUG) console.error('[page]', m.text());
  });
  await page.addInitScript({ content: `window.__RVB_CFG = ${JSON.stringify(cfg)};\n${env.instrument}` });
  await page.goto(`${env.baseUrl}/`);
  await page.waitForFunction(() => /** @type {any} */ (globalThis).rvb?.ready === true, undefined, { timeout: 15000 });
  const cdp = await context.newCDPSession(page);
  return {
    page,
    cdp,
    call: (fn, ...args) =>
      page.evaluate(
        ([f, a]) => /** @type {any} */ (globalThis).rvb[/** @type {string} */ (f)](.../** @type {unknown[]} */ (a)),
        /** @type {[string, unknown[]]} */ ([fn, args]),
      ),
    async close() {
      if (errors.length && process.env.BENCH_DEBUG) console.error('[page errors]', errors.join('\n'));
      await context.close().catch(() => {});
    },
  };
}

/**
 * A metric of CDP `Performance.getMetrics` (seconds for durations).
 * @param {import('playwright-core').CDPSession} cdp
 */
export async function metrics(cdp) {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

/** JS heap after two full collections (bytes). @param {import('playwright-core').CDPSession} cdp */
export async function heapAfterGc(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await new Promise((r) => setTimeout(r, 200));
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize, totalSize } = await cdp.send('Runtime.getHeapUsage');
  return { usedSize, totalSize };
}

/**
 * Where the renderer's main thread spends its time: a devtools timeline trace of `ms`, its
 * top-level tasks bucketed by what they run first (worklet/port messages, rendering frames,
 * timers, other IPC such as WebSocket traffic), per minute.
 * @param {import('playwright-core').CDPSession} cdp
 * @param {number} ms
 */
export async function traceBreakdown(cdp, ms) {
  /** @type {any[]} */
  const events = [];
  const onData = (/** @type {any} */ e) => events.push(...e.value);
  cdp.on('Tracing.dataCollected', onData);
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', { transferMode: 'ReportEvents', traceConfig: { includedCategories: ['devtools.timeline', 'toplevel', 'blink'], excludedCategories: ['*'] } });
  await new Promise((r) => setTimeout(r, ms));
  await cdp.send('Tracing.end');
  await complete;
  cdp.off('Tracing.dataCollected', onData);
  const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  /** @type {Record<string, number>} */
  const perThread = {};
  for (const e of events) if (e.ph === 'X' && mains.has(`${e.pid}:${e.tid}`)) perThread[`${e.pid}:${e.tid}`] = (perThread[`${e.pid}:${e.tid}`] ?? 0) + 1;
  const main = Object.entries(perThread).sort((a, b) => b[1] - a[1])[0]?.[0];
  const list = events.filter((e) => e.ph === 'X' && `${e.pid}:${e.tid}` === main).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const perMin = (/** @type {number} */ us) => Math.round(((us / 1000) * 60000) / ms);
  /** @type {Record<string, {tasks: number, us: number}>} */
  const buckets = {};
  /** @type {any} */
  let task = null;
  /** @type {Set<string>} */
  let names = new Set();
  const close = () => {
    if (!task) return;
    const has = (/** @type {RegExp} */ re) => [...names].some((n) => re.test(n));
    const kind = has(/BeginMainFrame|UpdateLifecycle/)
      ? 'rendering frames (rAF, style, paint)'
      : has(/^MessagePort::Accept$/)
        ? 'worklet messages (and what their handlers do)'
        : has(/^EventDispatch$/)
          ? 'socket and DOM events (and their handlers)'
          : has(/TimerFire|TimerBase::run/)
            ? 'timers'
            : 'other';
    const b = (buckets[kind] ??= { tasks: 0, us: 0 });
    b.tasks++;
    b.us += task.dur;
    task = null;
  };
  for (const e of list) {
    if (task && e.ts >= task.ts + task.dur) close();
    if (!task) {
      if (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask') {
        task = e;
        names = new Set();
      }
      continue;
    }
    names.add(e.name);
  }
  close();
  const out = Object.fromEntries(Object.entries(buckets).sort((a, b) => b[1].us - a[1].us).map(([k, v]) => [k, { tasksPerSecond: Math.round((v.tasks * 1000) / ms), msPerMin: perMin(v.us) }]));
  return out;
}

/**
 * The main thread's JavaScript by self time: a V8 CPU profile of `ms`, the `top` functions with
 * their script (bundle functions are minified: the column locates them). For `BENCH_PROFILE=1`.
 * @param {import('playwright-core').CDPSession} cdp
 * @param {number} ms
 * @param {number} [top]
 */
export async function cpuProfile(cdp, ms, top = 25) {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  await new Promise((r) => setTimeout(r, ms));
  const { profile } = await cdp.send('Profiler.stop');
  await cdp.send('Profiler.disable');
  const dt = new Map();
  const ids = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < ids.length; i++) dt.set(ids[i], (dt.get(ids[i]) ?? 0) + (deltas[i] ?? 0));
  /** @type {Map<string, number>} */
  const self = new Map();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}:${columnNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (dt.get(node.id) ?? 0));
  }
  const perMin = (/** @type {number} */ us) => Math.round(((us / 1000) * 60000) / ms);
  return [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `${String(perMin(us)).padStart(6)} ms/min  ${k}`);
}
