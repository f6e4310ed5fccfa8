// Issue 7 (1): fuzzing the client through a real socket. The element talks to the local Realtime
// server through the hardening plugin's proxy, which injects ≥ 10,000 generated and mutated
// server frames (scripts/fuzz-events.mjs: valid events with ids that collide, shuffled and
// duplicated response sequences, fields removed or retyped, random JSON, text that is not JSON,
// huge strings, invalid base64, deltas for unknown items, binary frames, prototype keys, one frame
// over the 16 MiB limit). Then: no uncaught exception, no unhandled rejection, no console error,
// no handler exception swallowed by the session (its debug log says "failed to handle"), no
// markup from the frames in the DOM, no prototype pollution, every status transition valid, and
// the same element completes a normal typed conversation with the real server afterwards.
// The seed is printed (`[rv-fuzz] seed=…`); `RV_FUZZ_SEED=<seed>` replays a run, and
// `RV_FUZZ_EVENTS=<n>` (or `RV_SOAK=1`: 100,000) changes the count.
import { fixture, html, expect, waitUntil } from '@open-wc/testing';
import '../../src/index.js';
import type { RealtimeVoiceElement } from '../../src/index.js';
import { captureGlobals, fastScenario, foreignElements, hard, sim, statusRecorder, tokenRecorder, hardeningSuite } from './hardening-helpers.js';

interface FuzzStats {
  seed: number;
  sent: number;
  bytes: number;
  kinds: Record<string, number>;
}

const BATCH = 500;

describe('hardening: fuzzed server events through a real socket', function () {
  this.timeout(240_000);
  const env = hardeningSuite();

  it(`survives ≥ 10,000 hostile server frames, then completes a normal conversation`, async () => {
    await fastScenario();
    const el = await fixture<RealtimeVoiceElement>(html`<realtime-voice variant="inline" transcript text-input language="en" debug></realtime-voice>`);
    const tokens = tokenRecorder();
    // Text replies (fast); the fuzz still sends audio deltas, which the real player receives.
    Object.assign(el, { url: env.proxyUrl, getToken: tokens.getToken, muted: true, session: { output_modalities: ['text'] } });
    const status = statusRecorder(el);
    let markers = -1;
    let serverEvents = 0;
    let disconnects = 0;
    let toolCalls = 0;
    const errorCodes: Record<string, number> = {};
    let keyInEvent = 0;
    const checkKeys = (detail: unknown) => {
      // Event details are checked for the ephemeral keys as they fly by (some carry MBs of text).
      const text = JSON.stringify(detail) ?? '';
      if (tokens.keys.some((k) => text.includes(k))) keyInEvent++;
    };
    el.addEventListener('rv-server-event', (e) => {
      serverEvents++;
      const ev = e.detail.event as { type: string; marker?: number };
      if (ev.type === 'x.rv.fuzz.marker') markers = ev.marker!;
    });
    el.addEventListener('rv-disconnected', (e) => {
      disconnects++;
      checkKeys(e.detail);
    });
    el.addEventListener('rv-error', (e) => {
      errorCodes[e.detail.code] = (errorCodes[e.detail.code] ?? 0) + 1;
      checkKeys(e.detail);
    });
    el.addEventListener('rv-tool-call', (e) => {
      toolCalls++;
      checkKeys(e.detail);
      // Tool outputs carrying markup go back to the server as data.
      if (toolCalls % 2) e.respondWith({ html: '<img src=x onerror="window.__rvPwned=1">', n: toolCalls });
    });

    const captured = captureGlobals();
    const started = performance.now();
    let stats: FuzzStats;
    try {
      await el.start();
      await waitUntil(() => el.status === 'listening', 'connected through the proxy', { timeout: 15_000 });
      const { seed } = await hard<{ seed: number }>('fuzz-start', { hugeBytes: 512 * 1024, giantFrame: true });
      console.info(`fuzz seed ${seed}`);
      const total = env.counts.fuzzEvents;
      stats = { seed, sent: 0, bytes: 0, kinds: {} };
      for (let batch = 0; stats.sent < total; batch++) {
        stats = await hard<FuzzStats>('fuzz-batch', { count: Math.min(BATCH, total - stats.sent), marker: batch });
        await waitUntil(() => markers === batch, `batch ${batch} processed (seed ${seed})`, { timeout: 30_000, interval: 5 });
      }
    } finally {
      captured.restore();
    }
    const fuzzMs = performance.now() - started;
    const seed = stats.seed;
    const where = `(seed ${seed}; replay with RV_FUZZ_SEED=${seed})`;

    expect(stats.sent, where).to.be.at.least(Math.min(10_000, env.counts.fuzzEvents));
    expect(captured.uncaught, `uncaught errors ${where}`).to.deep.equal([]);
    const errorLines = captured.consoleLines.filter((l) => l.level === 'error');
    expect(errorLines.map((l) => l.text.slice(0, 300)), `console errors ${where}`).to.deep.equal([]);
    // The session catches handler exceptions so a call survives them, and logs them (debug):
    // any such line is a bug the fuzz found.
    const swallowed = captured.consoleLines.filter((l) => /failed to handle|callback \w+ threw/.test(l.text));
    expect(swallowed.map((l) => l.text.slice(0, 300)), `exceptions swallowed by the session ${where}`).to.deep.equal([]);
    expect(status.invalid, `status transitions ${where}`).to.deep.equal([]);
    expect((window as { __rvPwned?: unknown }).__rvPwned, `markup executed ${where}`).to.equal(undefined);
    expect(({} as { rvPolluted?: unknown }).rvPolluted, `Object.prototype polluted ${where}`).to.equal(undefined);
    await el.updateComplete;
    expect(foreignElements(el), `elements made from server text ${where}`).to.deep.equal([]);

    // The same element, a normal conversation with the real server. First, any real reply to the
    // tool calls answered during the fuzz must end: the fuzz's forged response events can hide it
    // from the session, and the server would put its item after the turn below and answer that.
    const idleFrom = performance.now();
    await waitUntil(
      async () => (await sim<{ open: boolean; activeResponseId?: string | null }[]>('sessions')).every((s) => !s.open || !s.activeResponseId),
      `the server has no reply running ${where}`,
      { timeout: 20_000 },
    );
    const recovered = performance.now();
    const replyRunningMs = Math.round(recovered - idleFrom);
    const before = el.conversation.length;
    const afterFuzz = status.statuses.length;
    el.sendText('Do you ship to Canada?');
    try {
      await waitUntil(
        () => el.conversation.slice(before).some((i) => i.role === 'assistant' && i.status === 'completed' && /business days/.test(i.text)),
        `the agent answered after the fuzz ${where}`,
        { timeout: 40_000 },
      );
    } catch (error) {
      // What the session was left holding says more than the timeout: the items since, the
      // statuses, and what the server did with the turn.
      const tail = el.conversation.slice(Math.min(before, el.conversation.length - 4)).map((i) => ({ ...i, text: i.text.slice(0, 80) }));
      const types = async (op: string) => (await sim<{ type: string }[]>(op, { limit: 16 }).catch(() => [])).map((e) => e.type).join(' ');
      throw new Error(
        `${(error as Error).message}\nitems ${before} → ${el.conversation.length}: ${JSON.stringify(tail)}` +
          `\nstatuses since: ${status.statuses.slice(afterFuzz).join(' ')}` +
          `\nthe server's last received: ${await types('events')}\nand sent: ${await types('sent')}`,
      );
    }
    const answerMs = performance.now() - recovered;
    const userItem = el.conversation.slice(before).find((i) => i.role === 'user');
    expect(userItem?.text).to.equal('Do you ship to Canada?');
    const received = await sim<{ type: string; item?: { content?: { text?: string }[] } }[]>('events', { type: 'conversation.item.create' });
    expect(received.some((e) => e.item?.content?.[0]?.text === 'Do you ship to Canada?'), 'the server got the typed text').to.equal(true);
    await waitUntil(() => el.status === 'listening', 'back to listening', { timeout: 10_000 });
    expect(status.invalid, `status transitions ${where}`).to.deep.equal([]);
    // Debug output never shows a key; nor does any event.
    const keyLines = captured.consoleLines.filter((l) => tokens.keys.some((k) => l.text.includes(k)));
    expect(keyLines.length, 'console lines with a key').to.equal(0);
    expect(keyInEvent, 'events with a key').to.equal(0);
    const report = {
      seed,
      frames: stats.sent,
      megabytes: +(stats.bytes / 1e6).toFixed(1),
      kinds: stats.kinds,
      fuzzSeconds: +(fuzzMs / 1000).toFixed(1),
      serverEventsDispatched: serverEvents,
      errorsReported: errorCodes,
      toolCalls,
      disconnectsBeforeAnswer: disconnects,
      replyRunningMs,
      answerSeconds: +(answerMs / 1000).toFixed(1),
      consoleLines: captured.consoleLines.length,
      conversationItems: el.conversation.length,
    };
    await hard('report', { name: 'fuzz', data: report });
    el.stop();
  });
});
