// The browser half of `realtime-voice/testing` (testing/browser.js) in our own suite, whose
// config runs the kit's plugin (test/wtr-plugins.mjs wraps it). The README's complete example
// test of a host page, with the plugin's defaults, runs under web-test-runner in
// test/node/recipes-testing.test.js.
import { expect } from '@open-wc/testing';
import {
  RV_EVENTS,
  injectFaults,
  localRealtime,
  recordEvents,
  resetServer,
  serverSessions,
  setScenario,
  useLocalServer,
  waitForEvent,
  waitForStatus,
  waitForTranscript,
} from '../../testing/browser.js';

const emit = (target: EventTarget, type: string, detail: unknown) => {
  const event = new Event(type);
  Object.defineProperty(event, 'detail', { value: detail });
  target.dispatchEvent(event);
};

describe('realtime-voice/testing (browser helpers)', () => {
  it('finds the local server and its token endpoint', async () => {
    const local = await localRealtime();
    expect(local.url).to.match(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime$/);
    expect(local.httpUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(local.tokenUrl).to.equal('/session');
    expect(await serverSessions()).to.be.an('array');
  });

  it('useLocalServer points an element at the local server', async () => {
    const el = await useLocalServer(Object.assign(document.createElement('div'), { url: 'wss://api.openai.com/v1/realtime', tokenUrl: '' }));
    expect(el.url).to.equal((await localRealtime()).url);
    expect(el.tokenUrl).to.equal('/session');
  });

  it('scripts the server: scenario and faults, undone by resetServer', async () => {
    expect(await setScenario({ replies: ['Scripted.'] })).to.deep.include({ replies: ['Scripted.'] });
    expect(await injectFaults({ tokenStatus: 503 })).to.include({ tokenStatus: 503 });
    await resetServer();
    expect(await injectFaults({})).to.include({ tokenStatus: null });
  });

  it('waitForEvent resolves with the first event that passes the predicate', async () => {
    const target = new EventTarget();
    const waiting = waitForEvent(target, 'rv-transcript', { predicate: (e) => e.detail.final });
    emit(target, 'rv-transcript', { final: false, text: 'He' });
    emit(target, 'rv-transcript', { final: true, text: 'Hello' });
    expect((await waiting).detail.text).to.equal('Hello');
  });

  it('waitForEvent rejects after its timeout, naming the event', async () => {
    const error = await waitForEvent(new EventTarget(), 'rv-connected', { timeout: 20 }).catch((e: Error) => e);
    expect(String(error)).to.contain('rv-connected').and.contain('20 ms');
  });

  it('waitForEvent with timeout Infinity (or beyond what setTimeout holds) waits for the event', async () => {
    for (const timeout of [Infinity, 2 ** 32]) {
      const target = new EventTarget();
      const waiting = waitForEvent(target, 'rv-connected', { timeout });
      await new Promise((r) => setTimeout(r, 30));
      target.dispatchEvent(new Event('rv-connected'));
      expect((await waiting).type, String(timeout)).to.equal('rv-connected');
    }
  });

  it('waitForStatus resolves at once when the status already matches, else on rv-status', async () => {
    const el = Object.assign(document.createElement('div'), { status: 'listening' });
    expect(await waitForStatus(el, ['listening', 'speaking'])).to.equal('listening');
    const waiting = waitForStatus(el, 'idle');
    emit(el, 'rv-status', { status: 'thinking' });
    emit(el, 'rv-status', { status: 'idle' });
    expect(await waiting).to.equal('idle');
  });

  it('waitForTranscript waits for a final message of the role that matches', async () => {
    const el = document.createElement('div');
    const waiting = waitForTranscript(el, { role: 'user', match: 'order' });
    emit(el, 'rv-transcript', { role: 'assistant', final: true, text: 'Your order shipped' });
    emit(el, 'rv-transcript', { role: 'user', final: false, text: 'my order' });
    emit(el, 'rv-transcript', { role: 'user', final: true, text: 'Where is my order?' });
    expect((await waiting).text).to.equal('Where is my order?');
  });

  it('recordEvents records every rv-* event until stopped', () => {
    const el = document.createElement('div');
    const log = recordEvents(el);
    for (const type of RV_EVENTS) emit(el, type, { type });
    emit(el, 'click', {});
    log.stop();
    emit(el, 'rv-status', { late: true });
    expect(log.types()).to.deep.equal([...RV_EVENTS]);
    expect(log.of('rv-error')).to.deep.equal([{ type: 'rv-error' }]);
  });
});
