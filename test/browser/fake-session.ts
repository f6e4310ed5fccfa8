// The element's session seam, faked for the UI tests (element-ui, element-edges): the fake records
// what the element asks of it and calls the element's SessionCallbacks the way RealtimeSession does.
import { fixture, html, nextFrame } from '@open-wc/testing';
import type { ConversationItem, RealtimeVoiceElement, SessionCallbacks, SessionConfig, SessionFactory, SessionHandle } from '../../src/index.js';
import type { SessionStatus } from '../../src/session/types.js';

export class FakeSession implements SessionHandle {
  calls: [string, ...unknown[]][] = [];
  status: SessionStatus = 'idle';
  conversation: ConversationItem[] = [];
  constructor(
    readonly config: SessionConfig,
    readonly cb: SessionCallbacks,
  ) {}
  count(name: string) {
    return this.calls.filter((c) => c[0] === name).length;
  }
  last(name: string) {
    return this.calls.filter((c) => c[0] === name).at(-1);
  }
  set(status: SessionStatus) {
    const previous = this.status;
    this.status = status;
    this.cb.status(status, previous);
  }
  /** Streams text into an item, as the session does for transcripts. */
  say(role: 'user' | 'assistant', id: string, delta: string, final = false) {
    let item = this.conversation.find((i) => i.id === id);
    if (!item) this.conversation.push((item = { id, role, text: '', status: 'in_progress' }));
    item.text += delta;
    if (final) item.status = 'completed';
    this.cb.transcript({ role, itemId: id, text: item.text, delta, final });
  }
  start() {
    this.calls.push(['start']);
    this.set('connecting');
    return Promise.resolve();
  }
  stop() {
    this.calls.push(['stop']);
    if (this.status !== 'idle') this.set('idle');
  }
  sendText(text: string) {
    this.calls.push(['sendText', text]);
  }
  interrupt() {
    this.calls.push(['interrupt']);
  }
  setMuted(muted: boolean) {
    this.calls.push(['setMuted', muted]);
  }
  pushToTalk(down: boolean) {
    this.calls.push(['pushToTalk', down]);
  }
  updateConfig(partial: Partial<SessionConfig>) {
    this.calls.push(['updateConfig', partial]);
  }
  resumeAudio() {
    this.calls.push(['resumeAudio']);
    this.cb.audioBlocked(false);
  }
}

/** Replaces the element's session factory with one that makes fakes; `.session` is the latest. */
export function useFake(el: RealtimeVoiceElement) {
  const box: { session?: FakeSession; created: number } = { created: 0 };
  const factory: SessionFactory = (config, callbacks) => {
    box.created++;
    return (box.session = new FakeSession(config, callbacks));
  };
  (el as unknown as { sessionFactory: SessionFactory }).sessionFactory = factory;
  return box;
}

/** The element's part `name` in its shadow root. */
export const part = (el: HTMLElement, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);

/** A floating element in a call (`listening`), panel open from the launcher, on a fake session; after the next frame. */
export async function inCall(template = html`<realtime-voice language="en" transcript text-input></realtime-voice>`) {
  const el = await fixture<RealtimeVoiceElement>(template);
  const fake = useFake(el);
  part(el, 'launcher')!.click();
  const s = fake.session!;
  s.set('listening');
  await el.updateComplete;
  await nextFrame();
  return { el, s, fake };
}
