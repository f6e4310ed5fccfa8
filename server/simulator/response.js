// One model response, streamed with the real service's event sequence:
//
//   response.created
//   per output item:  response.output_item.added, conversation.item.added,
//     message:        response.content_part.added, interleaved response.output_audio.delta and
//                     response.output_audio_transcript.delta (or response.output_text.delta),
//                     response.output_audio.done + response.output_audio_transcript.done
//                     (or response.output_text.done), response.content_part.done
//     function call:  response.function_call_arguments.delta…, …arguments.done
//                     response.output_item.done, conversation.item.done
//   response.done (with usage), rate_limits.updated
//
// Audio goes out faster than real time in chunks of varying size (hundreds of bytes to ~16 KB)
// because that is what clients must cope with. Cancelling is synchronous: the closing events are
// emitted before cancel() returns, so a `response.create` right after a cancel never races the
// old response.
import { performance } from 'node:perf_hooks';
import { encodePcm16, samplesToMs } from './audio.js';
import { callId, eventId, itemId } from './ids.js';
import { synthesize } from './voice.js';

/** @typedef {Record<string, any>} Json */
/** @typedef {import('./conversation.js').Conversation} Conversation */
/** @typedef {import('./conversation.js').StoredItem} StoredItem */

/**
 * @typedef {{kind: 'message', text: string} | {kind: 'function_call', name: string, arguments: string}} PlannedOutput
 */

/**
 * @typedef {object} ResponseSettings
 * @property {'audio' | 'text'} modality
 * @property {string | {id: string}} voice
 * @property {number} speed
 * @property {number | 'inf'} maxOutputTokens
 * @property {boolean} outOfBand true for `conversation: "none"`: nothing is added to the conversation
 * @property {string | null} conversationId
 * @property {Json} [metadata]
 * @property {{text: number, audio: number}} inputTokens estimated size of the context
 */

/**
 * @typedef {object} Pacing
 * @property {number} latencyMs time before the first output (the model "thinking")
 * @property {number} speedup audio is streamed this many times faster than real time
 * @property {number} burst audio deltas sent back-to-back before each pause (fault injection)
 * @property {import('./voice.js').VoiceEngine} engine
 */

/**
 * @typedef {object} ResponseHost
 * @property {(event: Json) => void} emit
 * @property {Conversation} conversation
 * @property {() => number} random a seeded PRNG in [0, 1)
 * @property {() => void} onAssistantAudio called at the first audio delta (the voice is now fixed)
 * @property {(run: ResponseRun) => void} onFinished called synchronously after `response.done`
 * @property {(error: unknown) => void} onError
 */

/**
 * @typedef {object} OpenOutput
 * @property {'message' | 'function_call'} kind
 * @property {Json} item
 * @property {StoredItem} stored
 * @property {number} outputIndex
 * @property {string} text transcript / text / arguments streamed so far
 */

/** Tokens per character of reply, for `max_output_tokens`: text ≈ 4 chars per token; speech at
 * ~14 chars/s and ~20 audio tokens/s adds ~1.4 tokens per character. An approximation, stated. */
const TOKENS_PER_CHAR = { text: 0.25, audio: 0.25 + 1.4 };

export class ResponseRun {
  #host;
  #settings;
  #pacing;
  /** @type {PlannedOutput[]} */
  #outputs;
  /**
   * The pending #sleep's timer and wake-up: a plain timer, as an AbortSignal listener per audio
   * delta cost more than the timer itself.
   * @type {{timer: NodeJS.Timeout, wake: () => void} | null}
   */
  #sleeping = null;
  #finished = false;
  #limited = false;
  /** @type {Json} */
  #response;
  /** @type {OpenOutput | null} */
  #current = null;
  #outputIndex = 0;
  /** @type {Json[]} */
  #done = [];
  /** @type {Set<string>} */
  #itemIds = new Set();
  #audioSamplesOut = 0;
  #textCharsOut = 0;

  /**
   * @param {ResponseHost} host
   * @param {{id: string, outputs: PlannedOutput[], settings: ResponseSettings, pacing: Pacing}} init
   */
  constructor(host, { id, outputs, settings, pacing }) {
    this.#host = host;
    this.#settings = settings;
    this.#pacing = pacing;
    this.#outputs = this.#applyTokenLimit(outputs);
    /** @type {Json} */
    const response = {
      object: 'realtime.response',
      id,
      status: 'in_progress',
      output: [],
      output_modalities: [settings.modality],
      max_output_tokens: settings.maxOutputTokens,
      audio: {
        output: {
          format: { type: 'audio/pcm', rate: 24000 },
          voice: typeof settings.voice === 'string' ? settings.voice : settings.voice.id,
        },
      },
    };
    if (settings.conversationId) response.conversation_id = settings.conversationId;
    if (settings.metadata) response.metadata = { ...settings.metadata };
    this.#response = response;
  }

  /** The response id (`resp_…`). */
  get id() {
    return /** @type {string} */ (this.#response.id);
  }

  /** Whether `response.done` has been sent. */
  get finished() {
    return this.#finished;
  }

  /** Whether this response streams into the default conversation. */
  get outOfBand() {
    return this.#settings.outOfBand;
  }

  /**
   * @param {string} id
   * @returns {boolean} whether this response produced the item
   */
  produced(id) {
    return this.#itemIds.has(id);
  }

  /** Sends `response.created` now and streams the rest in the background. */
  start() {
    this.#emit({ type: 'response.created', response: structuredClone(this.#response) });
    this.#drive().catch((error) => {
      if (this.#finished) return;
      this.#host.onError(error);
      this.#finish('failed', { type: 'failed', error: { type: 'server_error', code: 'server_error' } });
    });
  }

  /**
   * Stops the response: the item being streamed is closed as `incomplete`, then `response.done`
   * with status `cancelled` — all before this returns.
   * @param {'turn_detected' | 'client_cancelled'} reason
   * @returns {boolean} false when it had already finished
   */
  cancel(reason) {
    if (this.#finished) return false;
    this.#closeCurrent('incomplete');
    this.#finish('cancelled', { type: 'cancelled', reason });
    return true;
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Cuts the planned outputs to `max_output_tokens`; a cut response ends `incomplete`.
   * @param {PlannedOutput[]} outputs
   * @returns {PlannedOutput[]}
   */
  #applyTokenLimit(outputs) {
    const limit = this.#settings.maxOutputTokens;
    if (limit === 'inf') return outputs;
    const perChar = TOKENS_PER_CHAR[this.#settings.modality];
    let budget = limit;
    /** @type {PlannedOutput[]} */
    const kept = [];
    for (const output of outputs) {
      if (output.kind === 'function_call') {
        const cost = Math.ceil(output.arguments.length / 4) + 5;
        if (cost > budget) {
          this.#limited = true;
          break;
        }
        budget -= cost;
        kept.push(output);
        continue;
      }
      const cost = Math.ceil(output.text.length * perChar);
      if (cost <= budget) {
        budget -= cost;
        kept.push(output);
        continue;
      }
      const chars = Math.floor(budget / perChar);
      const cut = output.text.slice(0, chars).replace(/\s+\S*$/, '');
      if (cut) kept.push({ kind: 'message', text: cut });
      this.#limited = true;
      break;
    }
    return kept;
  }

  async #drive() {
    const audio = this.#settings.modality === 'audio';
    const voice = typeof this.#settings.voice === 'string' ? this.#settings.voice : 'marin';
    // Synthesis runs while the model "thinks", as the real service renders while it reasons.
    const speech = this.#outputs.map((output) =>
      audio && output.kind === 'message'
        ? synthesize(output.text, { voice, speed: this.#settings.speed, engine: this.#pacing.engine })
        : undefined,
    );
    await this.#sleep(this.#pacing.latencyMs);
    for (let i = 0; i < this.#outputs.length; i++) {
      if (this.#finished) return;
      const output = /** @type {PlannedOutput} */ (this.#outputs[i]);
      if (output.kind === 'message') await this.#streamMessage(output.text, speech[i]);
      else await this.#streamCall(output.name, output.arguments);
    }
    if (this.#finished) return;
    if (this.#limited) this.#finish('incomplete', { type: 'incomplete', reason: 'max_output_tokens' });
    else this.#finish('completed');
  }

  /**
   * @param {string} text
   * @param {Promise<Int16Array> | undefined} speech
   */
  async #streamMessage(text, speech) {
    const current = this.#open('message', {
      type: 'message',
      status: 'in_progress',
      role: 'assistant',
      content: [],
    });
    const audio = this.#settings.modality === 'audio';
    this.#emit({
      type: 'response.content_part.added',
      ...this.#where(current),
      part: audio ? { type: 'audio', transcript: '' } : { type: 'text', text: '' },
    });
    const words = text.match(/\S+\s*/g) ?? [];
    const speedup = Math.max(0.1, this.#pacing.speedup);
    if (!speech) {
      for (let i = 0; i < words.length; ) {
        const n = 1 + Math.floor(this.#host.random() * 3);
        const delta = words.slice(i, i + n).join('');
        i += n;
        current.text += delta;
        this.#emit({ type: 'response.output_text.delta', ...this.#where(current), delta });
        await this.#sleep(40 / speedup);
        if (this.#finished) return;
      }
    } else {
      const pcm = await speech;
      if (this.#finished) return;
      const starts = [];
      let chars = 0;
      for (const w of words) {
        starts.push(chars);
        chars += w.length;
      }
      let word = 0;
      let sent = 0;
      let sinceSleep = 0;
      const began = performance.now();
      while (sent < pcm.length) {
        const end = Math.min(pcm.length, sent + this.#chunkSamples(sent === 0));
        // The transcript runs a little ahead of the audio, as in the real stream.
        const reached = end / pcm.length + 0.05;
        while (word < words.length && /** @type {number} */ (starts[word]) / Math.max(1, chars) <= reached) {
          this.#transcriptDelta(current, /** @type {string} */ (words[word++]));
        }
        this.#audioDelta(current, pcm.subarray(sent, end));
        sent = end;
        if (++sinceSleep >= Math.max(1, this.#pacing.burst)) {
          sinceSleep = 0;
          await this.#sleep(began + samplesToMs(sent) / speedup - performance.now());
          if (this.#finished) return;
        }
      }
      while (word < words.length) this.#transcriptDelta(current, /** @type {string} */ (words[word++]));
    }
    this.#closeCurrent('completed');
  }

  /**
   * @param {string} name
   * @param {string} args
   */
  async #streamCall(name, args) {
    const current = this.#open('function_call', {
      type: 'function_call',
      status: 'in_progress',
      name,
      call_id: callId(),
      arguments: '',
    });
    for (let i = 0; i < args.length; ) {
      const n = 4 + Math.floor(this.#host.random() * 12);
      const delta = args.slice(i, i + n);
      i += n;
      current.text += delta;
      this.#emit({
        type: 'response.function_call_arguments.delta',
        response_id: this.id,
        item_id: current.item.id,
        output_index: current.outputIndex,
        call_id: current.item.call_id,
        delta,
      });
      await this.#sleep(15 / Math.max(0.1, this.#pacing.speedup));
      if (this.#finished) return;
    }
    this.#closeCurrent('completed');
  }

  /**
   * Opens an output item: `response.output_item.added` and, in the default conversation,
   * `conversation.item.added`.
   * @param {'message' | 'function_call'} kind
   * @param {Json} fields
   * @returns {OpenOutput}
   */
  #open(kind, fields) {
    const item = { id: itemId(), object: 'realtime.item', ...fields };
    /** @type {StoredItem} */
    const stored = { item, audio: [], audioSamples: 0 };
    const outputIndex = this.#outputIndex++;
    /** @type {OpenOutput} */
    const current = { kind, item, stored, outputIndex, text: '' };
    this.#current = current;
    this.#itemIds.add(item.id);
    this.#emit({ type: 'response.output_item.added', response_id: this.id, output_index: outputIndex, item: structuredClone(item) });
    if (!this.#settings.outOfBand) {
      const previous = this.#host.conversation.insert(stored);
      this.#emit({ type: 'conversation.item.added', previous_item_id: previous, item: structuredClone(item) });
    }
    return current;
  }

  /**
   * Sends the closing events of the item being streamed, if any.
   * @param {'completed' | 'incomplete'} status
   */
  #closeCurrent(status) {
    const current = this.#current;
    if (!current) return;
    this.#current = null;
    const { item } = current;
    if (current.kind === 'message') {
      const audio = this.#settings.modality === 'audio';
      if (audio) {
        this.#emit({ type: 'response.output_audio.done', ...this.#where(current) });
        this.#emit({ type: 'response.output_audio_transcript.done', ...this.#where(current), transcript: current.text });
      } else {
        this.#emit({ type: 'response.output_text.done', ...this.#where(current), text: current.text });
      }
      this.#emit({
        type: 'response.content_part.done',
        ...this.#where(current),
        part: audio ? { type: 'audio', transcript: current.text } : { type: 'text', text: current.text },
      });
      item.content = [audio ? { type: 'output_audio', transcript: current.text } : { type: 'output_text', text: current.text }];
      this.#textCharsOut += current.text.length;
    } else {
      this.#emit({
        type: 'response.function_call_arguments.done',
        response_id: this.id,
        item_id: item.id,
        output_index: current.outputIndex,
        call_id: item.call_id,
        name: item.name,
        arguments: current.text,
      });
      item.arguments = current.text;
      this.#textCharsOut += current.text.length;
    }
    item.status = status;
    this.#emit({ type: 'response.output_item.done', response_id: this.id, output_index: current.outputIndex, item: structuredClone(item) });
    if (!this.#settings.outOfBand && this.#host.conversation.has(item.id)) {
      this.#emit({
        type: 'conversation.item.done',
        previous_item_id: this.#host.conversation.previousOf(item.id),
        item: structuredClone(item),
      });
    }
    this.#done.push(structuredClone(item));
  }

  /**
   * @param {'completed' | 'cancelled' | 'incomplete' | 'failed'} status
   * @param {Json} [details]
   */
  #finish(status, details) {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#sleeping) {
      clearTimeout(this.#sleeping.timer);
      this.#sleeping.wake();
      this.#sleeping = null;
    }
    const response = this.#response;
    response.status = status;
    if (details) response.status_details = details;
    response.output = this.#done;
    response.usage = this.#usage();
    this.#emit({ type: 'response.done', response: structuredClone(response) });
    const used = response.usage.total_tokens;
    this.#emit({
      type: 'rate_limits.updated',
      rate_limits: [
        { name: 'requests', limit: 5000, remaining: 4999, reset_seconds: 0.012 },
        { name: 'tokens', limit: 40000, remaining: Math.max(0, 40000 - used), reset_seconds: Math.round((used / 40000) * 60 * 1000) / 1000 },
      ],
    });
    this.#host.onFinished(this);
  }

  /** @returns {Json} usage in the real shape; token counts are estimates */
  #usage() {
    const outText = Math.ceil(this.#textCharsOut / 4);
    const outAudio = Math.round(samplesToMs(this.#audioSamplesOut) / 50);
    const { text, audio } = this.#settings.inputTokens;
    return {
      total_tokens: text + audio + outText + outAudio,
      input_tokens: text + audio,
      output_tokens: outText + outAudio,
      input_token_details: {
        text_tokens: text,
        audio_tokens: audio,
        image_tokens: 0,
        cached_tokens: 0,
        cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 },
      },
      output_token_details: { text_tokens: outText, audio_tokens: outAudio },
    };
  }

  /**
   * @param {OpenOutput} current
   * @param {string} delta
   */
  #transcriptDelta(current, delta) {
    current.text += delta;
    this.#emit({ type: 'response.output_audio_transcript.delta', ...this.#where(current), delta });
  }

  /**
   * @param {OpenOutput} current
   * @param {Int16Array} chunk
   */
  #audioDelta(current, chunk) {
    if (this.#audioSamplesOut === 0) this.#host.onAssistantAudio();
    current.stored.audio.push(chunk);
    current.stored.audioSamples += chunk.length;
    this.#audioSamplesOut += chunk.length;
    this.#emit({ type: 'response.output_audio.delta', ...this.#where(current), delta: encodePcm16(chunk) });
  }

  /**
   * Chunk sizes spread log-uniformly from 200 samples (400 B) to 8,000 samples (16 KB); the first
   * one small, as the real stream starts with a short burst.
   * @param {boolean} first
   * @returns {number}
   */
  #chunkSamples(first) {
    const r = this.#host.random();
    if (first) return 240 + Math.floor(r * 960);
    return Math.round(Math.exp(Math.log(200) + r * (Math.log(8000) - Math.log(200))));
  }

  /**
   * @param {OpenOutput} current
   * @returns {{response_id: string, item_id: string, output_index: number, content_index: number}}
   */
  #where(current) {
    return { response_id: this.id, item_id: current.item.id, output_index: current.outputIndex, content_index: 0 };
  }

  /** @param {Json} event */
  #emit(event) {
    this.#host.emit({ event_id: eventId(), ...event });
  }

  /**
   * Waits, or returns early when the response is cancelled.
   * @param {number} ms
   * @returns {Promise<void>}
   */
  #sleep(ms) {
    if (ms <= 0 || this.#finished) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.#sleeping = null;
        resolve();
      };
      this.#sleeping = { timer: setTimeout(wake, ms), wake };
    });
  }
}
