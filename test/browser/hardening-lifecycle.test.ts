// Issue 7 (4): lifecycle. 200 cycles (`RV_LIFECYCLE_CYCLES`; 1,000 with `RV_SOAK=1`) of create →
// start → a typed exchange with the local server → stop()+remove() or remove() alone → then 0 live
// microphone tracks, 0 open AudioContexts, 0 open WebSockets, 0 pending widget timers (the
// constructors and timer functions are instrumented), and — after a forced GC, through DevTools —
// no element, session, context, socket or track object still reachable; the heap stays flat.
// Also two instances on one page, each with its own call, resources and conversation.
import { expect } from '@open-wc/testing';
import '../../src/index.js';
import type { RealtimeVoiceElement } from '../../src/index.js';
import { RealtimeSession } from '../../src/session/session.js';
import { captureGlobals, fastScenario, hard, instrumentResources, sim, tokenRecorder, until, hardeningSuite } from './hardening-helpers.js';

interface Heap {
  usedSize: number;
  totalSize: number;
}

const answered = (el: RealtimeVoiceElement, text: string) => {
  const items = el.conversation;
  const at = items.findIndex((i) => i.role === 'user' && i.text === text);
  return at >= 0 && items.slice(at + 1).some((i) => i.role === 'assistant' && i.status === 'completed' && i.text.length > 0);
};

/**
 * The prototypes whose live instances are counted after GC (by DevTools' queryObjects). The
 * widget's own objects must all be gone. Chromium itself keeps a *closed* AudioContext that ran
 * an AudioWorklet reachable, with its nodes and the (stopped) microphone tracks that fed it — a
 * bare page without the widget shows the same (10 of 10 kept) — so those are reported, and
 * checked by state (closed, ended) instead.
 */
const MUST_BE_GONE = {
  element: 'window.__rvProtos.element',
  session: 'window.__rvProtos.session',
  WebSocket: 'WebSocket.prototype',
};
const PROTOTYPES = {
  ...MUST_BE_GONE,
  AudioContext: 'AudioContext.prototype',
  AudioWorkletNode: 'AudioWorkletNode.prototype',
  MediaStreamTrack: 'MediaStreamTrack.prototype',
};

describe('hardening: lifecycle', function () {
  this.timeout(300_000);
  const env = hardeningSuite();

  before(() => {
    (window as unknown as { __rvProtos: object }).__rvProtos = { element: customElements.get('realtime-voice')!.prototype, session: RealtimeSession.prototype };
  });

  it('200 cycles of create → start → converse → stop/remove leave nothing open, nothing reachable, and a flat heap', async () => {
    await fastScenario();
    const resources = instrumentResources();
    const captured = captureGlobals();
    const tokens = tokenRecorder();
    const total = env.counts.cycles;
    const warmup = Math.min(10, total);
    const started = performance.now();
    let heapAfterWarmup: Heap | null = null;
    const phases = { start: 0, converse: 0, release: 0 };
    try {
      const baseline = await hard<Record<string, number>>('live-objects', { prototypes: PROTOTYPES });
      for (let i = 0; i < total; i++) {
        const el = document.createElement('realtime-voice') as RealtimeVoiceElement;
        el.setAttribute('variant', 'inline');
        el.toggleAttribute('transcript', true);
        el.toggleAttribute('text-input', true);
        Object.assign(el, { url: env.url, getToken: tokens.getToken, muted: true, session: { output_modalities: ['text'] } });
        document.body.append(el);
        const t0 = performance.now();
        await el.start();
        expect(el.status, `cycle ${i}`).to.equal('listening');
        const t1 = performance.now();
        const text = `Cycle ${i}: what are your opening hours?`;
        el.sendText(text);
        await until(() => answered(el, text) && el.status === 'listening', `cycle ${i} answered`, { timeout: 10_000, interval: 5 });
        const t2 = performance.now();
        // Half the cycles end with stop() then remove(), half with remove() alone.
        if (i % 2 === 0) el.stop();
        el.remove();
        await until(() => el.status === 'idle', `cycle ${i} stopped`, { timeout: 5000, interval: 5 });
        phases.start += t1 - t0;
        phases.converse += t2 - t1;
        phases.release += performance.now() - t2;
        if (i === warmup - 1) {
          await until(() => resources.openContexts === 0, 'warm-up released', { timeout: 5000 });
          heapAfterWarmup = await hard<Heap>('heap');
        }
      }
      await until(
        () => resources.liveTracks === 0 && resources.openContexts === 0 && resources.openSockets === 0,
        'tracks, contexts and sockets all released',
        { timeout: 10_000 },
      );
      // Short waits of the widget fire by themselves; anything still pending after a second leaks.
      await until(() => resources.pendingTimers().length === 0, 'timers', { timeout: 1500 }).catch(() => undefined);
      expect(resources.pendingTimers(), 'pending widget timers').to.deep.equal([]);
      expect(resources.created.contexts).to.equal(total);
      expect(resources.created.sockets).to.equal(total);
      expect((await sim<{ open: boolean }[]>('sessions')).filter((s) => s.open), 'server sessions still open').to.deep.equal([]);
      const live = await hard<Record<string, number>>('live-objects', { prototypes: PROTOTYPES });
      const heapEnd = await hard<Heap>('heap');
      for (const name of Object.keys(MUST_BE_GONE)) {
        expect(live[name]! - baseline[name]!, `${name} objects still reachable after ${total} cycles`).to.be.at.most(0);
      }
      const growth = heapEnd.usedSize - heapAfterWarmup!.usedSize;
      expect(captured.uncaught).to.deep.equal([]);
      expect(captured.consoleLines.filter((l) => l.level === 'error').map((l) => l.text)).to.deep.equal([]);
      await hard('report', {
        name: 'lifecycle',
        data: {
          cycles: total,
          seconds: +((performance.now() - started) / 1000).toFixed(1),
          msPerCycle: { start: Math.round(phases.start / total), converse: Math.round(phases.converse / total), release: Math.round(phases.release / total) },
          created: resources.created,
          maxOpen: resources.max,
          liveObjectsBefore: baseline,
          liveObjectsAfter: live,
          heapAfterWarmupMB: +(heapAfterWarmup!.usedSize / 2 ** 20).toFixed(2),
          heapAfterAllMB: +(heapEnd.usedSize / 2 ** 20).toFixed(2),
          heapGrowthKBPerCycle: +(growth / 1024 / (total - warmup)).toFixed(2),
        },
      });
      // Flat: under 2 MB over all cycles (a leak of one element, session or context per cycle
      // would be far more), i.e. < 10 KB per cycle at 200 cycles.
      expect(growth, `heap growth after warm-up: ${(growth / 2 ** 20).toFixed(2)} MB`).to.be.below(2 * 2 ** 20);
    } finally {
      captured.restore();
      resources.restore();
    }
  });

  it('two instances on one page keep separate calls, conversations and resources', async () => {
    await fastScenario();
    const resources = instrumentResources();
    const captured = captureGlobals();
    try {
      const make = () => {
        const el = document.createElement('realtime-voice') as RealtimeVoiceElement;
        el.setAttribute('variant', 'inline');
        el.toggleAttribute('transcript', true);
        Object.assign(el, { url: env.url, getToken: tokenRecorder().getToken, muted: true, session: { output_modalities: ['text'] } });
        document.body.append(el);
        return el;
      };
      const a = make();
      const b = make();
      await Promise.all([a.start(), b.start()]);
      expect([a.status, b.status]).to.deep.equal(['listening', 'listening']);
      // start() resolves once connected; the microphones open alongside.
      await until(() => resources.liveTracks === 2, 'two microphones open', { timeout: 5000 });
      expect(resources.openContexts).to.equal(2);
      expect((await sim<{ open: boolean }[]>('sessions')).filter((s) => s.open)).to.have.length(2);
      a.sendText('A: how do returns work?');
      b.sendText('B: how long is shipping?');
      await until(() => answered(a, 'A: how do returns work?') && answered(b, 'B: how long is shipping?'), 'both answered', { timeout: 10_000 });
      expect(a.conversation.some((i) => /^B:|shipping takes/i.test(i.text))).to.equal(false);
      expect(b.conversation.some((i) => /^A:|return unworn/i.test(i.text))).to.equal(false);
      expect(a.shadowRoot!.textContent).to.not.contain('B: how long');
      // Ending one call leaves the other working.
      a.remove();
      await until(() => resources.openContexts === 1 && resources.liveTracks === 1, 'a released', { timeout: 5000 });
      expect(b.status).to.equal('listening');
      b.sendText('B: and your opening hours?');
      await until(() => answered(b, 'B: and your opening hours?'), 'b still answers', { timeout: 10_000 });
      expect(a.status).to.equal('idle');
      b.remove();
      await until(() => resources.openContexts === 0 && resources.liveTracks === 0 && resources.openSockets === 0, 'all released', { timeout: 5000 });
      expect(captured.uncaught).to.deep.equal([]);
    } finally {
      captured.restore();
      resources.restore();
    }
  });
});
