// Acceptance (issue 5): conversations with the real element, session, audio engine and worklets
// over a real socket to the local Realtime server, tokens from its real token endpoint. The fake
// microphone of this group beeps (20 ms every 500 ms, too short for the server's VAD), so turns
// here are typed; the spoken ones live in test/browser-speech/e2e-voice.test.ts. What the player
// renders is checked with a tap worklet on its output, and every client frame the server
// received is validated against the GA schema after each test.
import { expect } from '@open-wc/testing';
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
  sessions,
  type SimEvent,
  sleep,
  tapNonZeroMs,
  THRESHOLD,
  type,
  waitFor,
  waitForServer,
} from '../browser-support/e2e.js';

const LOOKUP_ORDER: RealtimeTool = {
  name: 'lookup_order',
  description: 'Look up the status of a customer order by its number.',
  parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
};

/** A greeting long enough (≈ 9 s of speech) to still be playing when a test interrupts it. */
const LONG_GREETING =
  'Welcome to Northwind Outfitters. I can help you with orders, returns, shipping, sizing and our opening hours, ' +
  'and I am happy to look up any order for you if you tell me its number.';

const itemOutputs = (events: SimEvent[]) => events.filter((e) => e.type === 'conversation.item.create').map((e) => e['item'] as Record<string, unknown>);

describe('e2e: conversations with <realtime-voice> and the local Realtime server', function () {
  this.timeout(40000);

  e2eHooks('e2e-conversation');

  it('a typed conversation: transcripts both ways, the UI, and the reply rendered by the player', async () => {
    const probe = instrument();
    const { el, log, tokens } = await mount();
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening', 'listening');
    await type(el, 'What are your opening hours?');
    await waitFor(() => agentSaid(el, /8 AM/), 'the agent answered');
    await waitFor(() => el.status === 'listening', 'the reply was played out');

    // Transcripts: the typed turn at once and final; the reply streamed, then final.
    expect(log.finalTranscripts('user')).to.deep.equal(['What are your opening hours?']);
    const reply = log.details<{ role: string; text: string; delta: string; final: boolean; itemId: string }>('rv-transcript').filter((d) => d.role === 'assistant');
    const streamed = reply.filter((d) => !d.final);
    expect(streamed.length, 'streamed deltas').to.be.greaterThan(3);
    const final = reply.find((d) => d.final)!;
    expect(final.text).to.match(/8 AM to 8 PM/);
    expect(streamed.map((d) => d.delta).join('')).to.equal(final.text);
    expect(streamed.at(-1)!.text).to.equal(final.text);

    // The UI shows both, and the live region the agent's words.
    await el.updateComplete;
    const messages = [...el.shadowRoot!.querySelectorAll('[part~=message]')].map((m) => m.textContent!.replace(/\s+/g, ' ').trim());
    expect(messages).to.deep.equal(['You: What are your opening hours?', `Agent: ${final.text}`]);
    expect(el.shadowRoot!.querySelector('[aria-live]')!.textContent).to.equal(final.text);
    expect(el.conversation.map((i) => [i.role, i.status])).to.deep.equal([
      ['user', 'completed'],
      ['assistant', 'completed'],
    ]);

    // Status went through the whole cycle.
    const statuses = log.statuses;
    expect(statuses.slice(0, 2)).to.deep.equal(['connecting', 'listening']);
    expect(statuses).to.include.members(['thinking', 'speaking']);
    expect(statuses.indexOf('speaking')).to.be.greaterThan(statuses.indexOf('thinking'));
    expect(statuses.at(-1)).to.equal('listening');

    // The reply's audio was rendered: as much non-silent audio at the tap as arrived, at its level.
    const audio = receivedAudio(log);
    expect([...audio.keys()]).to.deep.equal([final.itemId]);
    const pcm = audio.get(final.itemId)!;
    expect(pcm.length / 24000, 'seconds of reply audio').to.be.greaterThan(2);
    const dump = (await probe.tap())!;
    expect(dump, 'tap connected').to.not.equal(null);
    const heard = tapNonZeroMs(dump);
    const expected = pcmNonZeroMs(pcm);
    expect(heard, `tap ${heard.toFixed(1)} ms vs received ${expected.toFixed(1)} ms`).to.be.within(expected * 0.98 - 20, expected * 1.02 + 20);
    const levelDb = 20 * Math.log10(rms(dump.buf) / rms(pcm, 32768));
    expect(Math.abs(levelDb), `level difference ${levelDb.toFixed(2)} dB`).to.be.below(1);

    // The server got the turn as the protocol says, with one token from the real endpoint.
    const events = await received();
    const created = itemOutputs(events);
    expect(created).to.deep.equal([
      { id: created[0]!['id'], type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What are your opening hours?' }] },
    ]);
    expect(events.map((e) => e.type)).to.deep.equal(['session.update', 'conversation.item.create', 'response.create']);
    expect(tokens!.count).to.equal(1);
    expect(log.errors).to.deep.equal([]);
  });

  it('a tool round trip through rv-tool-call and respondWith (tools set mid-call, in the same task as the turn)', async () => {
    const { el, log } = await mount();
    const calls: { name: string; callId: string; arguments: unknown }[] = [];
    el.addEventListener('rv-tool-call', (e) => {
      calls.push(e.detail as (typeof calls)[number]);
      e.respondWith(sleep(150).then(() => ({ orderId: '4217', status: 'shipped', carrier: 'DHL' })));
    });
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening', 'listening');
    // An integrator adds the tool and sends a turn right away: the tool must apply to that turn.
    el.tools = [LOOKUP_ORDER];
    el.sendText('Where is my order 4217?');
    await waitFor(() => agentSaid(el, /4217.*shipped with DHL/), 'the agent spoke the tool result', 20000);

    expect(calls).to.have.length(1);
    expect(calls[0]).to.deep.include({ name: 'lookup_order', arguments: { order_id: '4217' } });
    const events = await received();
    const call = (await sent({ type: 'response.output_item.done' })).map((e) => e['item'] as Record<string, unknown>).find((i) => i['type'] === 'function_call')!;
    expect(call['call_id']).to.equal(calls[0]!.callId);
    const outputs = itemOutputs(events).filter((i) => i['type'] === 'function_call_output');
    expect(outputs).to.have.length(1);
    expect(outputs[0]!['call_id']).to.equal(call['call_id']);
    expect(JSON.parse(String(outputs[0]!['output']))).to.deep.equal({ orderId: '4217', status: 'shipped', carrier: 'DHL' });
    // The output, then a response.create so the model goes on.
    const order = events.map((e) => (e.type === 'conversation.item.create' ? `item:${(e['item'] as { type: string }).type}` : e.type)).filter((t) => t !== 'input_audio_buffer.append');
    expect(order.slice(order.indexOf('item:function_call_output'))).to.deep.equal(['item:function_call_output', 'response.create']);
    // The session declared the tool (without any handler on the wire) before the turn went out.
    const types = events.map((e) => e.type);
    expect(types.slice(0, 4)).to.deep.equal(['session.update', 'session.update', 'conversation.item.create', 'response.create']);
    const update = events[1]!['session'] as { tools: unknown[]; tool_choice: string };
    expect(update.tools).to.deep.equal([{ type: 'function', ...LOOKUP_ORDER }]);
    expect(update.tool_choice).to.equal('auto');
    expect(types.filter((t) => t === 'session.update'), 'no duplicate update from the deferred Lit update').to.have.length(2);
    expect(log.errors).to.deep.equal([]);
  });

  it("a tool round trip through the tool's own handler", async () => {
    const calls: unknown[] = [];
    const { el, log } = await mount({
      props: {
        tools: [
          {
            ...LOOKUP_ORDER,
            handler: async (args: unknown, call: { callId: string; name: string }) => {
              calls.push({ args, call });
              await sleep(100);
              return { orderId: '4217', status: 'delivered' };
            },
          },
        ],
      },
    });
    let events = 0;
    el.addEventListener('rv-tool-call', () => events++);
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening', 'listening');
    el.sendText('Where is my order 4217?');
    await waitFor(() => agentSaid(el, /4217.*was delivered/), 'the agent spoke the handler result', 20000);
    expect(calls).to.have.length(1);
    expect(calls[0]).to.deep.include({ args: { order_id: '4217' } });
    expect(events, 'a handler answers without rv-tool-call').to.equal(0);
    const output = itemOutputs(await received()).find((i) => i['type'] === 'function_call_output')!;
    expect(JSON.parse(String(output['output']))).to.deep.equal({ orderId: '4217', status: 'delivered' });
    expect(log.errors).to.deep.equal([]);
  });

  it('tool_failed: a handler that throws is reported, answered with an error output, and the call goes on', async () => {
    const { el, log } = await mount({
      props: {
        tools: [
          {
            ...LOOKUP_ORDER,
            handler: () => {
              throw new Error('inventory service down');
            },
          },
        ],
      },
    });
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening', 'listening');
    el.sendText('Where is my order 4217?');
    await waitFor(() => log.errors.includes('tool_failed'), 'tool_failed');
    const error = log.details<{ code: string; message: string; fatal: boolean }>('rv-error')[0]!;
    expect(error).to.deep.include({ code: 'tool_failed', fatal: false });
    expect(error.message).to.contain('inventory service down');
    await waitFor(() => log.serverEvents('response.done').length === 2, 'the model answered after the error output', 20000);
    const output = itemOutputs(await received()).find((i) => i['type'] === 'function_call_output')!;
    expect(String(output['output'])).to.contain('inventory service down');
    expect((log.serverEvents('response.done')[1]!['response'] as { status: string }).status).to.equal('completed');
    // The call goes on: not an error state, and the next turn is answered.
    expect(el.status).to.not.equal('error');
    expect(part(el, 'error')).to.equal(null);
    el.sendText('What are your opening hours?');
    await waitFor(() => agentSaid(el, /8 AM/), 'the next turn was answered');
    expect(log.errors).to.deep.equal(['tool_failed']);
  });

  it('typing while the agent speaks interrupts it: playback stops and the truncate matches what the tap heard (±10 ms)', async () => {
    const probe = instrument();
    const { el, log } = await mount({ attrs: { greeting: LONG_GREETING } });
    click(el, 'start-button');
    await waitFor(() => el.status === 'speaking', 'the greeting plays');
    await sleep(1500);
    const ctx = probe.contexts[0]!;
    let interruptedAt = NaN;
    el.addEventListener('rv-interrupted', () => {
      if (Number.isNaN(interruptedAt)) interruptedAt = ctx.currentTime;
    });
    const typedAt = ctx.currentTime;
    await type(el, 'What are your opening hours?');
    await waitFor(() => log.of('rv-interrupted').length === 1, 'rv-interrupted');
    const latency = contextLatencyMs(ctx);
    const { itemId, audioEndMs } = log.details<{ itemId: string; audioEndMs: number }>('rv-interrupted')[0]!;

    // The server was told exactly that.
    await waitFor(async () => (await received({ type: 'conversation.item.truncate' })).length === 1, 'truncate received', 5000);
    const [truncate] = await received({ type: 'conversation.item.truncate' });
    expect(truncate).to.deep.include({ item_id: itemId, content_index: 0, audio_end_ms: audioEndMs });
    expect((await received({ type: 'response.cancel' })).length, 'a typed interruption cancels the response').to.equal(1);
    await waitFor(() => agentSaid(el, /8 AM/), 'the typed turn was answered');
    await waitFor(() => el.status === 'speaking', 'the reply plays');
    await sleep(200);

    // Ground truth from the tap: how much of the greeting item the player rendered before the cut.
    const dump = (await probe.tap())!;
    const pcm = receivedAudio(log).get(itemId)!;
    const cutIndex = Math.round(interruptedAt * dump.rate) - dump.start;
    const rendered = renderedInterval(dump, pcm, 0, cutIndex);
    const position = renderedPosition(dump, pcm, cutIndex);
    console.log(
      `typed barge-in: audio_end_ms ${audioEndMs}, tap: rendered ${position ? `${position.ms.toFixed(1)} ms (match r ${position.r.toFixed(3)}, underruns ${position.gapMs.toFixed(1)} ms)` : 'ended in a pause'}, ` +
        `span ${rendered.lo.toFixed(1)}–${rendered.hi.toFixed(1)} ms, latency ${latency.toFixed(1)} ms, received ${(pcm.length / 24).toFixed(0)} ms`,
    );
    if (position) {
      expect(position.r, 'the tap output matches the item').to.be.above(0.9);
      expect(audioEndMs).to.be.within(position.ms - latency - 10, position.ms - latency + 10);
    } else {
      expect(audioEndMs).to.be.within(rendered.lo - latency - 10, rendered.hi - latency + 10);
    }
    expect(audioEndMs, 'less than received: the truncate cut something').to.be.below(pcm.length / 24 - 1000);
    // Playback stopped within a few render quanta of the typed turn.
    const stoppedAt = (dump.start + rendered.endIndex) / dump.rate;
    expect(stoppedAt - typedAt, 'seconds from typing to silence').to.be.below(0.08);
    // Late deltas of the cancelled greeting were not played: nothing of it after the cut.
    let replyStart = cutIndex;
    while (replyStart < dump.n && Math.abs(dump.buf[replyStart]!) <= THRESHOLD) replyStart++;
    expect(replyStart - rendered.endIndex, 'silence between the cut greeting and the reply').to.be.greaterThan(dump.rate * 0.1);
    const done = (await sent({ type: 'response.done' })).map((e) => (e['response'] as { status: string }).status);
    expect(done[0]).to.equal('cancelled');
    expect(el.conversation.find((i) => i.id === itemId)!.status).to.equal('incomplete');
    expect(log.errors).to.deep.equal([]);
  });

  it('attribute and property changes mid-call send a new session.update', async () => {
    const { el, log } = await mount({ attrs: { voice: 'marin' } });
    click(el, 'start-button');
    await waitFor(() => el.status === 'listening', 'listening');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- GA session JSON, checked field by field below
    const updates = async () => (await received({ type: 'session.update' })).map((e) => e['session'] as Record<string, any>);
    const nextUpdate = async (count: number) => {
      await waitFor(async () => (await updates()).length === count, `session.update #${count}`, 5000);
      return (await updates()).at(-1)!;
    };
    expect(await updates()).to.have.length(1);

    el.setAttribute('instructions', 'Answer in one short sentence.');
    expect((await nextUpdate(2))['instructions']).to.equal('Answer in one short sentence.');

    el.setAttribute('vad-silence-ms', '900');
    el.setAttribute('vad-threshold', '0.7');
    const vad = (await nextUpdate(3))['audio'].input.turn_detection;
    expect(vad).to.deep.include({ type: 'server_vad', silence_duration_ms: 900, threshold: 0.7 });

    el.setAttribute('voice', 'cedar'); // the model has not spoken yet: allowed
    expect((await nextUpdate(4))['audio'].output.voice).to.equal('cedar');

    el.tools = [LOOKUP_ORDER];
    expect((await nextUpdate(5))['tools']).to.deep.equal([{ type: 'function', ...LOOKUP_ORDER }]);

    el.setAttribute('turn-detection', 'semantic_vad');
    el.setAttribute('eagerness', 'high');
    expect((await nextUpdate(6))['audio'].input.turn_detection).to.deep.include({ type: 'semantic_vad', eagerness: 'high' });

    el.setAttribute('transcription-model', 'none');
    expect((await nextUpdate(7))['audio'].input.transcription).to.equal(null);

    // Muting is not a session change.
    el.muted = true;
    await el.updateComplete;
    await sleep(200);
    expect(await updates()).to.have.length(7);

    // The server applied every update (session.updated) and ended up with all of it.
    await waitFor(async () => (await sent({ type: 'session.updated' })).length === 7, 'session.updated ×7', 5000);
    const [live] = (await sessions()).filter((s) => s.open);
    expect(live).to.deep.include({ voice: 'cedar', turnDetection: 'semantic_vad', transcription: null });
    expect(live!.tools).to.deep.equal(['lookup_order']);

    // Once the model has spoken, a voice change is left out of the update (the API refuses it).
    el.sendText('Hello');
    await waitFor(() => agentSaid(el, /./), 'the model spoke');
    el.setAttribute('voice', 'alloy');
    el.setAttribute('instructions', 'Be brief.');
    const last = await nextUpdate(8);
    expect(last['instructions']).to.equal('Be brief.');
    expect(last['audio']?.output?.voice).to.equal(undefined);
    expect((await sent({ type: 'error' })).map((e) => e['error'])).to.deep.equal([]);
    expect(log.errors).to.deep.equal([]);
  });

  it('two instances on one page are independent', async () => {
    const a = await mount();
    const b = await mount({ attrs: { language: 'de' } });
    click(a.el, 'start-button');
    click(b.el, 'start-button');
    await waitFor(() => a.el.status === 'listening' && b.el.status === 'listening', 'both listening');
    const open = await waitForServer((all) => all.filter((s) => s.open).length === 2, 'two server sessions');
    const ids = [a.log.details<{ sessionId: string }>('rv-connected')[0]!.sessionId, b.log.details<{ sessionId: string }>('rv-connected')[0]!.sessionId];
    expect(ids[0]).to.not.equal(ids[1]);
    expect(open.map((s) => s.id).sort()).to.deep.equal([...ids].sort());

    a.el.sendText('What are your opening hours?');
    b.el.sendText('How do returns work?');
    await waitFor(() => agentSaid(a.el, /8 AM/) && agentSaid(b.el, /return/i), 'each got its own answer');
    expect(a.el.conversation.map((i) => i.text).join(' ')).to.not.match(/return/i);
    expect(b.el.conversation.map((i) => i.text).join(' ')).to.not.match(/8 AM/);
    expect(a.log.finalTranscripts('user')).to.deep.equal(['What are your opening hours?']);
    expect(b.log.finalTranscripts('user')).to.deep.equal(['How do returns work?']);
    // Each server session got only its own turn.
    for (const [i, text] of [[0, 'What are your opening hours?'], [1, 'How do returns work?']] as const) {
      const items = itemOutputs(await received({ sessionId: ids[i]! }));
      expect(items.map((it) => (it['content'] as { text: string }[])[0]!.text)).to.deep.equal([text]);
    }
    // Each fetched its own token.
    expect([a.tokens!.count, b.tokens!.count]).to.deep.equal([1, 1]);
    expect(a.tokens!.values[0]).to.not.equal(b.tokens!.values[0]);
    // Ending one leaves the other running.
    a.el.stop();
    await waitForServer((all) => all.find((s) => s.id === ids[0])!.open === false, "a's session closed");
    expect((await sessions()).find((s) => s.id === ids[1])!.open).to.equal(true);
    expect(a.el.status).to.equal('idle');
    expect(b.el.status).to.not.be.oneOf(['idle', 'error']);
    b.el.sendText('Thank you');
    await waitFor(() => agentSaid(b.el, /welcome/i), 'b still answers');
    expect(a.log.errors.concat(b.log.errors)).to.deep.equal([]);
  });
});
