// The session with the real audio engine (src/audio through src/session/web-audio-port.ts) in
// Chromium with a fake microphone, against the scripted server: the mic reaches the socket,
// assistant audio plays and drives `speaking`, a barge-in truncates at a plausible heard time,
// and stop() releases everything.
import { expect, waitUntil } from '@open-wc/testing';
import { encodeBase64 } from '../../src/protocol/base64.js';
import { basicReplies, ScriptedTransport } from '../../src/protocol/scripted-transport.js';
import { RealtimeSession } from '../../src/session/session.js';
import type { RealtimeVoiceError, SessionCallbacks, SessionConfig, SessionStatus } from '../../src/session/types.js';
import { createWebAudioPort } from '../../src/session/web-audio-port.js';
import { probeAudio, type AudioProbe } from './audio-probe.js';
import { BASE } from './session-harness.js';

const CONFIG: SessionConfig = { ...BASE, getToken: async () => 'ek_web_audio_test', reconnectAttempts: 0 };

/** `ms` of a 440 Hz tone, PCM16 24 kHz, as base64. */
function tone(ms: number): string {
  const samples = new Int16Array(ms * 24);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 24000));
  return encodeBase64(samples);
}

describe('session + real audio engine (Chromium, fake mic)', () => {
  let session: RealtimeSession | undefined;
  let probe: AudioProbe | undefined;
  afterEach(async () => {
    await session?.stop();
    session = undefined;
    probe?.restore();
    probe = undefined;
  });

  /** A session with the real engine over a scripted transport, started, and what it reported. */
  async function startSession() {
    const transports: ScriptedTransport[] = [];
    const statuses: SessionStatus[] = [];
    const errors: RealtimeVoiceError[] = [];
    const interrupted: { itemId: string; audioEndMs: number }[] = [];
    const seen = { levels: 0 };
    probe = probeAudio();
    const callbacks: SessionCallbacks = {
      status: (s) => statuses.push(s),
      connected: () => undefined,
      disconnected: () => undefined,
      transcript: () => undefined,
      toolCall: () => undefined,
      interrupted: (i) => interrupted.push(i),
      error: (e) => errors.push(e),
      serverEvent: () => undefined,
      level: () => seen.levels++,
      audioBlocked: () => undefined,
    };
    session = new RealtimeSession(CONFIG, callbacks, {
      transport: () => {
        const t = new ScriptedTransport({ replies: basicReplies });
        transports.push(t);
        return t;
      },
      audio: createWebAudioPort,
    });
    await session.start();
    expect(errors).to.deep.equal([]);
    return { t: transports[0]!, statuses, errors, interrupted, seen, contexts: probe.contexts };
  }

  /** Starts assistant item `item_a1` of `resp_1` and streams `deltas` × 500 ms of tone into it. */
  function reply(t: ScriptedTransport, deltas: number) {
    t.emit({ type: 'response.created', response: { id: 'resp_1', object: 'realtime.response', status: 'in_progress', output: [] } });
    t.emit({
      type: 'response.output_item.added',
      response_id: 'resp_1',
      output_index: 0,
      item: { id: 'item_a1', object: 'realtime.item', type: 'message', role: 'assistant', status: 'in_progress', content: [] },
    });
    for (let i = 0; i < deltas; i++) {
      t.emit({ type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_a1', output_index: 0, content_index: 0, delta: tone(500) });
    }
  }

  it('streams the mic, plays replies (speaking), truncates a barge-in at what was heard, releases on stop', async () => {
    const { t, errors, interrupted, seen, contexts } = await startSession();
    await waitUntil(() => t.appendedBytes >= 960 * 10, 'microphone frames reach the socket', { timeout: 5000 });
    // Whole frames of 20 ms or a little more (cut at render-block ends), PCM16 at 24 kHz.
    for (const { audio } of t.sentOfType('input_audio_buffer.append')) expect(atob(audio).length).to.be.within(960, 1100);
    expect(seen.levels).to.be.greaterThan(0);

    reply(t, 4);
    t.emit({ type: 'response.output_audio.done', response_id: 'resp_1', item_id: 'item_a1', output_index: 0, content_index: 0 });
    t.emit({ type: 'response.done', response: { id: 'resp_1', object: 'realtime.response', status: 'completed', output: [] } });
    await waitUntil(() => session!.status === 'speaking', 'speaking while the player sounds', { timeout: 3000 });
    const speakingAt = performance.now();
    await new Promise((r) => setTimeout(r, 400));
    t.emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: 1000, item_id: 'item_u2' });
    const bargedAt = performance.now();
    await waitUntil(() => interrupted.length === 1, 'interrupted', { timeout: 3000 });
    const truncate = t.sentOfType('conversation.item.truncate')[0]!;
    expect(truncate.item_id).to.equal('item_a1');
    expect(truncate.audio_end_ms).to.equal(interrupted[0]!.audioEndMs);
    // Roughly what sounded between `speaking` and the barge-in (the output latency is subtracted).
    const elapsed = bargedAt - speakingAt;
    expect(truncate.audio_end_ms).to.be.within(Math.max(0, elapsed - 400), elapsed + 300);
    expect(truncate.audio_end_ms).to.be.lessThan(2000);
    await waitUntil(() => session!.status === 'listening', 'listening after the barge-in');

    await session!.stop();
    const frozen = t.appendedBytes;
    await new Promise((r) => setTimeout(r, 100));
    expect(t.appendedBytes, 'no frames after stop').to.equal(frozen);
    expect(contexts.length).to.be.greaterThan(0);
    expect(contexts.every((c) => c.state === 'closed'), 'every AudioContext closed').to.equal(true);
    expect(probe!.streams.every((s) => s.getTracks().every((track) => track.readyState === 'ended')), 'the microphone released').to.equal(true);
    expect(errors).to.deep.equal([]);
  });

  it('goes back to listening when a response ends without output_audio.done (the player must not wait for more)', async () => {
    const { t, statuses } = await startSession();
    reply(t, 1);
    // Cut short by the server (e.g. status incomplete): no output_audio.done for the item.
    t.emit({
      type: 'response.done',
      response: {
        id: 'resp_1',
        object: 'realtime.response',
        status: 'incomplete',
        status_details: { type: 'incomplete', reason: 'max_output_tokens' },
        output: [{ id: 'item_a1', object: 'realtime.item', type: 'message', role: 'assistant', status: 'incomplete', content: [] }],
      },
    });
    await waitUntil(() => session!.status === 'speaking', 'speaking while the player sounds', { timeout: 3000 });
    await waitUntil(() => session!.status === 'listening', 'listening once the 500 ms played out', { timeout: 3000 });
    expect(statuses.at(-1)).to.equal('listening');
  });
});
