// Figure 9, server side: the local Realtime server alone in its own process (as a host would run
// it), with the event-loop delay histogram of that process available over IPC.
import { monitorEventLoopDelay, performance, PerformanceObserver, constants } from 'node:perf_hooks';
import { createRealtimeServer, synthesize } from '../../server/simulator/index.js';

const apiKey = process.env.RVB_API_KEY ?? 'sk-bench-capacity';
const reply = process.env.RVB_REPLY ?? 'Thanks for waiting. Your order shipped on Monday.';
const send = (/** @type {unknown} */ m) => process.send?.(m);

await synthesize(reply); // the reply's audio, cached before the clock starts
const server = await createRealtimeServer({ apiKey, scenario: { reply: () => reply }, logger: { warn: () => {} } });
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
// Garbage collection in the window: a pause stalls every session at once, so a few long ones
// show in the lag's p99 while the loop-delay p99 (where a stall is one sample of many) hides them.
let gc = { major: 0, majorMs: 0, minorMs: 0, maxMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = /** @type {any} */ (e).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      gc.major++;
      gc.majorMs += e.duration;
    } else gc.minorMs += e.duration;
    gc.maxMs = Math.max(gc.maxMs, e.duration);
  }
}).observe({ entryTypes: ['gc'] });
let cpu = process.cpuUsage();
let since = performance.now();
send({ type: 'ready', url: server.url });

// The bench went away (interrupted): so do we.
process.on('disconnect', () => process.exit(0));
process.on('message', async (/** @type {any} */ m) => {
  if (m.type === 'stats') {
    const ms = (/** @type {number} */ ns) => Math.round(ns / 1e4) / 100;
    const mem = process.memoryUsage();
    const used = process.cpuUsage(cpu);
    const cpuPercent = Math.round((used.user + used.system) / 10 / (performance.now() - since));
    send({ type: 'stats', id: m.id, p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max), cpuPercent, rssMB: Math.round(mem.rss / 1048576), heapMB: Math.round(mem.heapUsed / 1048576), externalMB: Math.round(mem.external / 1048576), gc: { major: gc.major, majorMs: Math.round(gc.majorMs), minorMs: Math.round(gc.minorMs), maxMs: Math.round(gc.maxMs) } });
    loop.reset();
    gc = { major: 0, majorMs: 0, minorMs: 0, maxMs: 0 };
    cpu = process.cpuUsage();
    since = performance.now();
  } else if (m.type === 'close') {
    await server.close();
    process.exit(0);
  }
});
