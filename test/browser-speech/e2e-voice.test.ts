// Acceptance (issue 5), by voice: the microphone of this group is fed from
// test/fixtures/speech-order.wav (espeak: "Hello. I would like to know where my order is. The
// number is 4 2 1 7.", speech from 0.3 s to 5.85 s with pauses of ~0.3 s at 0.9 s and 3.45 s),
// played once from the start of each capture. The real element, session, audio engine and
// worklets talk to the local Realtime server, whose VAD hears the speech; the server cannot
// understand words, so the transcript the cloud's transcriber would return is scripted
// (`transcripts`) — everything else is real. A tap worklet on the player's output is the ground
// truth for what was rendered.
import { expect } from '@open-wc/testing';
import { resetMouse, sendMouse } from '@web/test-runner-commands';
import type { RealtimeTool } from '../../src/index.js';
import {
  agentSaid,
  click,
  contextLatencyMs,
  e2eHooks,
  instrument,
  mount,
  part,
  pcmNonZeroMs,
  received,
  receivedAudio,
  renderedInterval,
  renderedPosition,
  rms,
  sent,
  sim,
  type SimEvent,
  sleep,
  tapNonZeroMs,
  waitFor,
} from '../browser-support/e2e.js';

const SAID = 'Hello. I would like to know where my order is. The number is 4217.';
/** Where the WAV has speech (seconds from the start of the capture). */
const SPEECH = { start: 0.3, end: 5.85 };

const LOOKUP_ORDER: Omit<RealtimeTool, 'handler'> = {
  name: 'lookup_order',
  description: 'Look up the status of a customer order by its number.',
  parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
};

const LONG_GREETING =
  'Welcome to Northwind Outfitters. I can help you with orders, returns, shipping, sizing and our opening hours, ' +
  'and I am happy to look up any order for you if you tell me its number. What can I do for you today?';

describe('e2e: spoken conversations from the WAV-fed microphone', function () {
  this.timeout(60000);

  e2eHooks('e2e-voice', resetMouse);

  it('a spoken turn: VAD hears the WAV, transcripts both ways, a tool handler, and the answer rendered', async () => {
    await sim('scenario', { transcripts: [SAID] });
    const probe = instrument();
    const calls: unknown[] = [];
    const { el, log } = await mount({
      attrs: { 'vad-silence-ms': '600' },
      props: {
        muted: false,
        tools: [
          {
            ...LOOKUP_ORDER,
            handler: async (args: unknown) => {
              calls.push(args);
              return { orderId: '4217', status: 'shipped', carrier: 'DHL' };
            },
          },
        ],
      },
    });
    click(el, 'start-button');
    await waitFor(() => log.finalTranscripts('user').length === 1, 'the user turn was transcribed', 20000);
    await waitFor(() => agentSaid(el, /4217.*shipped with DHL/), 'the agent spoke the tool result', 20000);
    await waitFor(() => el.status === 'listening', 'the answer was played out', 20000);

    // The server's VAD found one turn as long as the speech in the file (plus its padding).
    const vad = (await sent()).filter((e) => e.type.startsWith('input_audio_buffer.speech_'));
    expect(vad.map((e) => e.type)).to.deep.equal(['input_audio_buffer.speech_started', 'input_audio_buffer.speech_stopped']);
    const startMs = vad[0]!['audio_start_ms'] as number;
    const endMs = vad[1]!['audio_end_ms'] as number;
    const speechSeconds = (endMs - startMs - 300 /* prefix padding */ - 600 /* silence */) / 1000;
    expect(speechSeconds, 'seconds of speech the server heard').to.be.within(SPEECH.end - SPEECH.start - 0.4, SPEECH.end - SPEECH.start + 0.4);
    // Sent as PCM16 frames of 20–24 ms at 24 kHz (cut at the end of the render block that reaches 20 ms).
    const appends = await received({ type: 'input_audio_buffer.append' });
    expect(appends.length).to.be.greaterThan(300);
    const sizes = appends.map((a) => Number(/^<(\d+) bytes>$/.exec(String(a['audio']))?.[1]));
    for (const size of sizes) expect(size).to.be.within(960, 960 + 2 * 70);

    // Transcripts: the user's (scripted transcriber output) on the committed item; the agent's two replies.
    const committed = (await sent({ type: 'input_audio_buffer.committed' }))[0]!['item_id'];
    const userFinal = log.details<{ itemId: string; text: string; final: boolean; role: string }>('rv-transcript').filter((d) => d.role === 'user' && d.final);
    expect(userFinal).to.have.length(1);
    expect(userFinal[0]).to.deep.include({ itemId: committed, text: SAID });
    expect(log.details<{ role: string; final: boolean }>('rv-transcript').filter((d) => d.role === 'user' && !d.final).length, 'user transcript streamed').to.be.greaterThan(3);
    const agent = log.finalTranscripts('assistant');
    expect(agent).to.have.length(2);
    expect(agent[0]).to.equal('Let me look up order 4217 for you.');
    expect(agent[1]).to.match(/^Order 4217 .*shipped with DHL\.$/);
    expect(el.conversation.map((i) => `${i.role}:${i.status}`)).to.deep.equal(['user:completed', 'assistant:completed', 'assistant:completed']);
    await el.updateComplete;
    const shown = [...el.shadowRoot!.querySelectorAll('[part~=message]')].map((m) => m.textContent!.replace(/\s+/g, ' ').trim());
    expect(shown).to.deep.equal([`You: ${SAID}`, `Agent: ${agent[0]}`, `Agent: ${agent[1]}`]);
    expect(calls).to.deep.equal([{ order_id: '4217' }]);

    // Statuses: listening while the user speaks, then thinking, speaking, and back.
    const statuses = log.statuses;
    expect(statuses[0]).to.equal('connecting');
    expect(statuses).to.include.members(['listening', 'thinking', 'speaking']);
    expect(statuses.at(-1)).to.equal('listening');

    // Both replies were rendered in full, at the level they arrived.
    const audio = receivedAudio(log);
    expect(audio.size).to.equal(2);
    const all = Int16Array.from([...audio.values()].flatMap((a) => [...a]));
    const dump = (await probe.tap())!;
    const heard = tapNonZeroMs(dump);
    const expected = pcmNonZeroMs(all);
    expect(heard, `tap ${heard.toFixed(1)} ms vs received ${expected.toFixed(1)} ms`).to.be.within(expected * 0.98 - 20, expected * 1.02 + 20);
    const levelDb = 20 * Math.log10(rms(dump.buf) / rms(all, 32768));
    expect(Math.abs(levelDb), `level ${levelDb.toFixed(2)} dB`).to.be.below(1);
    expect(log.errors).to.deep.equal([]);
  });

  it('barge-in: speech during the greeting stops playback, and the truncate matches what the tap heard (±10 ms)', async () => {
    await sim('scenario', { transcripts: ['I would like to know where my order is.'], replies: ['Sure, what is the order number?'] });
    const probe = instrument();
    // Muted at first, so the greeting plays undisturbed; unmuting lets the file's speech in. The
    // silence that ends a turn is longer than the file's pauses: one user turn, one reply.
    const { el, log } = await mount({ attrs: { greeting: LONG_GREETING, 'vad-silence-ms': '800' }, props: { muted: true } });
    let speechAt = NaN;
    let interruptedAt = NaN;
    el.addEventListener('rv-server-event', (e) => {
      if ((e.detail.event as SimEvent).type === 'input_audio_buffer.speech_started' && Number.isNaN(speechAt)) speechAt = probe.contexts[0]!.currentTime;
    });
    el.addEventListener('rv-interrupted', () => {
      if (Number.isNaN(interruptedAt)) interruptedAt = probe.contexts[0]!.currentTime;
    });
    click(el, 'start-button');
    await waitFor(() => el.status === 'speaking', 'the greeting plays');
    const speakingAt = performance.now();
    await waitFor(() => probe.micOpenedAt.length === 1, 'the microphone is open');
    // Unmute inside a stretch of speech of the file, after ≥ 0.8 s of greeting.
    const micAt = probe.micOpenedAt[0]!;
    const windows = [
      [1.35, 3.0],
      [3.95, 5.4],
    ];
    const earliest = Math.max(speakingAt + 800, micAt + windows[0]![0]! * 1000);
    const window = windows.find(([, to]) => micAt + to! * 1000 > earliest)!;
    const unmuteAt = Math.max(earliest, micAt + window[0]! * 1000);
    await sleep(unmuteAt - performance.now());
    expect(el.status, 'still speaking when the user starts').to.equal('speaking');
    el.muted = false;

    await waitFor(() => log.of('rv-interrupted').length === 1, 'rv-interrupted', 5000);
    const ctx = probe.contexts[0]!;
    const latency = contextLatencyMs(ctx);
    const { itemId, audioEndMs } = log.details<{ itemId: string; audioEndMs: number }>('rv-interrupted')[0]!;
    await waitFor(async () => (await received({ type: 'conversation.item.truncate' })).length === 1, 'truncate received', 5000);
    const [truncate] = await received({ type: 'conversation.item.truncate' });
    expect(truncate).to.deep.include({ item_id: itemId, content_index: 0, audio_end_ms: audioEndMs });
    // Server VAD with interrupt_response: the server cancels, the client does not have to.
    expect(await received({ type: 'response.cancel' })).to.deep.equal([]);
    await waitFor(async () => (await sent({ type: 'response.done' })).length >= 1, 'greeting done');
    const greetingDone = (await sent({ type: 'response.done' }))[0]!['response'] as { status: string; status_details: { reason: string } };
    expect(greetingDone).to.deep.include({ status: 'cancelled' });
    expect(greetingDone.status_details.reason).to.equal('turn_detected');

    // The user's turn is answered afterwards.
    await waitFor(() => agentSaid(el, /order number/), 'the user turn was answered', 20000);
    await waitFor(() => el.status === 'speaking', 'the reply plays', 20000);

    // Ground truth: what the tap saw of the greeting before the cut.
    const dump = (await probe.tap())!;
    const pcm = receivedAudio(log).get(itemId)!;
    const cutIndex = Math.round(interruptedAt * dump.rate) - dump.start;
    const rendered = renderedInterval(dump, pcm, 0, cutIndex);
    const position = renderedPosition(dump, pcm, cutIndex);
    console.log(
      `spoken barge-in: audio_end_ms ${audioEndMs}, tap: rendered ${position ? `${position.ms.toFixed(1)} ms (match r ${position.r.toFixed(3)}, underruns ${position.gapMs.toFixed(1)} ms)` : 'ended in a pause'}, ` +
        `span ${rendered.lo.toFixed(1)}–${rendered.hi.toFixed(1)} ms, latency ${latency.toFixed(1)} ms, received ${(pcm.length / 24).toFixed(0)} ms, ` +
        `silence ${(((dump.start + rendered.endIndex) / dump.rate - speechAt) * 1000).toFixed(1)} ms after speech_started`,
    );
    if (position) {
      expect(position.r, 'the tap output matches the item').to.be.above(0.9);
      expect(audioEndMs).to.be.within(position.ms - latency - 10, position.ms - latency + 10);
    } else {
      expect(audioEndMs).to.be.within(rendered.lo - latency - 10, rendered.hi - latency + 10);
    }
    expect(audioEndMs, 'the cut is well inside the greeting').to.be.within(500, pcm.length / 24 - 1000);
    // Playback stopped within a few render quanta of the server's speech_started.
    const stoppedAt = (dump.start + rendered.endIndex) / dump.rate;
    expect(stoppedAt - speechAt, 'seconds from speech_started to silence').to.be.below(0.08);
    expect(el.conversation.find((i) => i.id === itemId)!.status).to.equal('incomplete');
    expect(log.errors).to.deep.equal([]);
  });
  it('push-to-talk: holding the talk button (a real pointer) sends just that speech, then commit and response.create', async () => {
    // No scripted transcript: the server describes what it got ("[speech, 2.0 s]").
    await sim('scenario', { replies: ['Sure, what is the order number?'] });
    const probe = instrument();
    const { el, log } = await mount({ attrs: { 'push-to-talk': true }, props: { muted: false } });
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening' && probe.micOpenedAt.length === 1, 'listening, microphone open');
    await el.updateComplete;
    const talk = part<HTMLButtonElement>(el, 'talk-button')!;
    expect(talk.getAttribute('aria-pressed')).to.equal('false');
    const r = talk.getBoundingClientRect();
    await sendMouse({ type: 'move', position: [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)] });
    // Hold from 1.3 s to 3.3 s of the file: inside "I would like to know where my order is".
    await sleep(probe.micOpenedAt[0]! + 1300 - performance.now());
    expect((await received({ type: 'input_audio_buffer.append' })).length, 'nothing is sent before the button is held').to.equal(0);
    await sendMouse({ type: 'down' });
    const downAt = performance.now();
    await waitFor(() => talk.getAttribute('aria-pressed') === 'true', 'pressed');
    await sleep(downAt + 2000 - performance.now());
    await sendMouse({ type: 'up' });
    const heldMs = performance.now() - downAt;
    await waitFor(() => agentSaid(el, /order number/), 'the turn was answered', 20000);
    expect(talk.getAttribute('aria-pressed')).to.equal('false');

    const events = (await received()).map((e) => e.type);
    const session = (await received({ type: 'session.update' }))[0]!['session'] as { audio: { input: { turn_detection: unknown } } };
    expect(session.audio.input.turn_detection, 'manual turns: no server VAD').to.equal(null);
    // Press: clear what the server holds; hold: 20 ms frames; release: commit, then ask for a reply.
    const firstAppend = events.indexOf('input_audio_buffer.append');
    expect(events[firstAppend - 1]).to.equal('input_audio_buffer.clear');
    const appends = events.filter((t) => t === 'input_audio_buffer.append').length;
    expect(appends * 20, `ms of audio sent while held (${heldMs.toFixed(0)} ms)`).to.be.within(heldMs - 200, heldMs + 60);
    expect(events.slice(events.lastIndexOf('input_audio_buffer.append') + 1)).to.deep.equal(['input_audio_buffer.commit', 'response.create']);
    // The server got speech, as long as the button was held, and said so in the transcript.
    expect((await sent({ type: 'input_audio_buffer.speech_started' })).length, 'no server VAD events').to.equal(0);
    const [transcript] = log.finalTranscripts('user');
    const heard = /^\[speech, ([\d.]+) s\]$/.exec(transcript ?? '');
    expect(heard, transcript).to.not.equal(null);
    expect(Number(heard![1]) * 1000).to.be.within(heldMs - 250, heldMs + 100);
    expect(log.errors).to.deep.equal([]);
  });
});
