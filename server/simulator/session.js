// One Realtime session: configuration, input audio buffer and turn detection, the conversation,
// and responses. It speaks only in events; the connection (connection.js) owns the socket.
// Client mistakes are thrown as RealtimeError and become `error` events; the session stays open.
import { PcmBuffer, Pcm16Decoder, concatPcm, encodePcm16, msToSamples, samplesToMs, SAMPLE_RATE } from './audio.js';
import { Conversation } from './conversation.js';
import { describeAudio, validateItem } from './items.js';
import { RealtimeError, invalid, listValues } from './errors.js';
import { conversationId, eventId, itemId, responseId } from './ids.js';
import { ResponseRun } from './response.js';
import { ScenarioCursor, planReply } from './scenario.js';
import {
  VOICES,
  applySessionUpdate,
  expectEnum,
  expectNumber,
  expectObject,
  expectString,
  isObject,
  maxOutputTokens,
  modalities,
  onlyKeys,
  publicSession,
  toolChoice,
  tools as validateTools,
} from './session-config.js';
import { EnergyVad, SEMANTIC_SILENCE_MS } from './vad.js';

/** @typedef {Record<string, any>} Json */
/** @typedef {import('./session-config.js').SessionConfig} SessionConfig */
/** @typedef {import('./conversation.js').StoredItem} StoredItem */
/** @typedef {import('./scenario.js').Scenario} Scenario */
/** @typedef {import('./scenario.js').ReplyContext} ReplyContext */

/** The client events of the GA WebSocket interface. */
export const CLIENT_EVENT_TYPES = [
  'session.update',
  'input_audio_buffer.append',
  'input_audio_buffer.commit',
  'input_audio_buffer.clear',
  'conversation.item.create',
  'conversation.item.retrieve',
  'conversation.item.truncate',
  'conversation.item.delete',
  'response.create',
  'response.cancel',
  'output_audio_buffer.clear',
];

/** The VAD dates speech back to its first voiced frame, at most this far (its window). */
const VAD_LOOKBACK_SAMPLES = msToSamples(100);

/** A commit needs at least this much audio (the real service's limit). */
const MIN_COMMIT_MS = 100;

/**
 * @typedef {object} SessionHost
 * @property {(event: Json) => void} emit sends a server event (an `event_id` is added when missing)
 * @property {() => {scenario: Scenario, version: number}} scenario the server's current scenario
 * @property {() => {engine: import('./voice.js').VoiceEngine, burst: number}} tuning
 * @property {() => number} random seeded PRNG in [0, 1)
 * @property {(error: unknown) => void} onError an unexpected failure in background work
 */

export class RealtimeSession {
  #id;
  #host;
  #expiresAt;
  /** @type {SessionConfig} */
  #config;
  #conversationId = conversationId();
  #conversation = new Conversation();
  #buffer = new PcmBuffer();
  #decoder = new Pcm16Decoder();
  /** @type {EnergyVad | null} */
  #vad = null;
  /** Item id announced by `speech_started`, used by the commit that ends the turn. */
  /** @type {string | null} */
  #speechItemId = null;
  /** @type {ResponseRun | null} */
  #active = null;
  /** @type {Set<ResponseRun>} */
  #runs = new Set();
  #cursor = new ScenarioCursor();
  #hasAssistantAudio = false;
  #closed = false;
  /** @type {Set<NodeJS.Timeout>} */
  #timers = new Set();
  /** @type {NodeJS.Timeout | null} */
  #idleTimer = null;
  #responses = 0;
  #userTurns = 0;
  #overflowReported = false;
  /** Cap on audio held in manual mode: 15 minutes, ~43 MB. */
  #maxBufferSamples = SAMPLE_RATE * 60 * 15;

  /**
   * @param {{id: string, config: SessionConfig, expiresAt: number, host: SessionHost}} init
   */
  constructor({ id, config, expiresAt, host }) {
    this.#id = id;
    this.#config = config;
    this.#expiresAt = expiresAt;
    this.#host = host;
    this.#configureTurnDetection();
  }

  /** The session id (`sess_…`). */
  get id() {
    return this.#id;
  }

  /** Sends `session.created`, the first event of every connection. */
  start() {
    this.#emit({ type: 'session.created', session: this.#publicSession() });
  }

  /** Stops timers and responses; sends nothing (the socket is gone or going). */
  close() {
    this.#closed = true;
    for (const run of this.#runs) run.cancel('client_cancelled');
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
  }

  /** @returns {Json} a plain summary for `control('sessions')` */
  summary() {
    const td = this.#config.audio.input.turn_detection;
    return {
      model: this.#config.model,
      voice: this.#config.audio.output.voice,
      outputModalities: [...this.#config.output_modalities],
      turnDetection: td ? td.type : null,
      transcription: this.#config.audio.input.transcription?.model ?? null,
      tools: this.#config.tools.map((t) => t.name),
      items: this.#conversation.size,
      userTurns: this.#userTurns,
      responses: this.#responses,
      activeResponseId: this.#active?.id ?? null,
      speaking: this.#vad?.speaking ?? false,
      inputAudioMs: Math.round(samplesToMs(this.#buffer.end)),
      bufferedAudioMs: Math.round(samplesToMs(this.#buffer.length)),
    };
  }

  /**
   * Handles one client event (already parsed and known to be an object with a string `type`).
   * @param {Json} event
   */
  handle(event) {
    switch (event.type) {
      case 'session.update':
        return this.#sessionUpdate(event);
      case 'input_audio_buffer.append':
        return this.#append(event);
      case 'input_audio_buffer.commit':
        return this.#commit();
      case 'input_audio_buffer.clear':
        return this.#clear();
      case 'conversation.item.create':
        return this.#createItem(event);
      case 'conversation.item.retrieve':
        return this.#retrieve(event);
      case 'conversation.item.truncate':
        return this.#truncate(event);
      case 'conversation.item.delete':
        return this.#delete(event);
      case 'response.create':
        return this.#responseCreate(event);
      case 'response.cancel':
        return this.#responseCancel(event);
      case 'output_audio_buffer.clear':
        throw invalid.custom('type', 'output_audio_buffer.clear is only supported for WebRTC connections.');
      default:
        throw invalid.custom(
          'type',
          `Invalid value: '${String(event.type).slice(0, 100)}'. Supported values are: ${listValues(CLIENT_EVENT_TYPES)}.`,
        );
    }
  }

  /**
   * Starts a response as if the client had sent `response.create` (test hook `respond`).
   * @param {{text?: string}} [options]
   * @returns {string} the response id
   */
  respond({ text } = {}) {
    if (this.#active) throw new Error(`a response is already in progress: ${this.#active.id}`);
    return this.#startResponse({ forcedText: text });
  }

  // ---------------------------------------------------------------------------------------------
  // session.update

  /** @param {Json} event */
  #sessionUpdate(event) {
    if (event.session === undefined) throw invalid.missing('session');
    this.#config = applySessionUpdate(this.#config, event.session, { hasAssistantAudio: this.#hasAssistantAudio });
    this.#configureTurnDetection();
    this.#emit({ type: 'session.updated', session: this.#publicSession() });
  }

  #publicSession() {
    return publicSession(this.#config, { id: this.#id, expiresAt: this.#expiresAt });
  }

  #configureTurnDetection() {
    const td = this.#config.audio.input.turn_detection;
    if (!td) {
      this.#vad = null;
      this.#speechItemId = null;
      return;
    }
    const options =
      td.type === 'semantic_vad'
        ? { threshold: 0.5, silenceDurationMs: SEMANTIC_SILENCE_MS[td.eagerness ?? 'auto'] ?? 700 }
        : { threshold: td.threshold ?? 0.5, silenceDurationMs: td.silence_duration_ms ?? 200 };
    if (this.#vad) this.#vad.configure(options);
    else {
      this.#vad = new EnergyVad(options);
      this.#vad.reset(this.#buffer.end);
    }
  }

  /** @returns {number} samples of audio kept before detected speech */
  #prefixSamples() {
    const td = this.#config.audio.input.turn_detection;
    return msToSamples(td?.type === 'server_vad' ? (td.prefix_padding_ms ?? 300) : 300);
  }

  // ---------------------------------------------------------------------------------------------
  // Input audio buffer and turn detection

  /** @param {Json} event */
  #append(event) {
    if (event.audio === undefined) throw invalid.missing('audio');
    const audio = expectString(event.audio, 'audio');
    const samples = this.#decoder.decode(audio);
    if (!samples) throw invalid.custom('audio', "Invalid 'audio': expected base64-encoded PCM16 audio.");
    const at = this.#buffer.end;
    this.#buffer.append(samples);
    const vad = this.#vad;
    if (!vad) {
      if (this.#buffer.length > this.#maxBufferSamples) {
        this.#buffer.dropBefore(this.#buffer.end - this.#maxBufferSamples);
        if (!this.#overflowReported) {
          this.#overflowReported = true;
          throw invalid.custom('audio', 'The input audio buffer holds more than 15 minutes of audio; the oldest audio was dropped. Commit or clear it.', 'input_audio_buffer_overflow');
        }
      }
      return;
    }
    for (const change of vad.process(samples, at)) {
      if (change.type === 'start') this.#speechStarted(change.position);
      else this.#speechStopped(change.position);
    }
    // While nobody speaks only the prefix padding is worth keeping, plus the few frames the
    // detector looks back over when it decides that speech began.
    if (!vad.speaking) this.#buffer.dropBefore(this.#buffer.end - this.#prefixSamples() - VAD_LOOKBACK_SAMPLES);
  }

  /** @param {number} position */
  #speechStarted(position) {
    const start = Math.max(this.#buffer.start, position - this.#prefixSamples());
    this.#buffer.dropBefore(start);
    this.#speechItemId = itemId();
    this.#cancelIdleTimer();
    this.#emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: Math.round(samplesToMs(start)), item_id: this.#speechItemId });
    const td = this.#config.audio.input.turn_detection;
    // Barge-in: with interrupt_response the server itself cancels what the model is saying.
    if (td?.interrupt_response && this.#active) this.#active.cancel('turn_detected');
  }

  /** @param {number} position */
  #speechStopped(position) {
    const id = this.#speechItemId ?? itemId();
    this.#speechItemId = null;
    this.#emit({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: Math.round(samplesToMs(position)), item_id: id });
    this.#commitAudio(this.#buffer.take(position), id);
    const td = this.#config.audio.input.turn_detection;
    // With interrupt_response off the model may still be talking: then no new response starts
    // (the API's documented "may fail to create a response").
    if (td?.create_response && !this.#active) this.#startResponse({});
  }

  #commit() {
    const held = this.#buffer.length;
    if (held < msToSamples(MIN_COMMIT_MS)) {
      throw new RealtimeError({
        code: 'input_audio_buffer_commit_empty',
        message: `Error committing input audio buffer: buffer too small. Expected at least ${MIN_COMMIT_MS}ms of audio, but buffer only has ${samplesToMs(held).toFixed(2)}ms of audio.`,
      });
    }
    const id = this.#speechItemId ?? itemId();
    this.#speechItemId = null;
    const pcm = this.#buffer.take();
    this.#vad?.reset(this.#buffer.end);
    this.#overflowReported = false;
    this.#commitAudio(pcm, id);
  }

  #clear() {
    this.#buffer.clear();
    this.#vad?.reset(this.#buffer.end);
    this.#speechItemId = null;
    this.#overflowReported = false;
    this.#emit({ type: 'input_audio_buffer.cleared' });
  }

  /**
   * Turns committed audio into a user item, then transcribes it (asynchronously, as the real
   * service does: transcription may land before or after the response).
   * @param {Int16Array} pcm
   * @param {string} id
   * @param {string} [text] what the scenario takes it to say, when already known
   */
  #commitAudio(pcm, id, text) {
    const item = { id, object: 'realtime.item', type: 'message', status: 'completed', role: 'user', content: [{ type: 'input_audio' }] };
    const scripted = text === undefined ? this.#cursor.nextTranscript(this.#scenario().scenario, this.#scenario().version) : text;
    /** @type {StoredItem} */
    const stored = { item, audio: [pcm], audioSamples: pcm.length, text: scripted ?? describeAudio(pcm) };
    const previous = this.#conversation.insert(stored);
    this.#userTurns++;
    this.#emit({ type: 'input_audio_buffer.committed', previous_item_id: previous, item_id: id });
    this.#emit({ type: 'conversation.item.added', previous_item_id: previous, item: structuredClone(item) });
    this.#emit({ type: 'conversation.item.done', previous_item_id: previous, item: structuredClone(item) });
    const transcription = this.#config.audio.input.transcription;
    if (transcription && text !== '[idle]') this.#transcribe(stored, scripted === null ? null : /** @type {string} */ (stored.text), transcription.model);
  }

  /**
   * @param {StoredItem} stored
   * @param {string | null} transcript null: the scenario wants this transcription to fail
   * @param {string} model
   */
  #transcribe(stored, transcript, model) {
    const id = stored.item.id;
    this.#later(this.#scenario().scenario.transcriptionDelayMs ?? 120, () => {
      if (transcript === null) {
        this.#emit({
          type: 'conversation.item.input_audio_transcription.failed',
          item_id: id,
          content_index: 0,
          error: { type: 'transcription_error', code: 'audio_unintelligible', message: 'The audio could not be transcribed.' },
        });
        return;
      }
      // whisper-1 delivers the transcript in one piece; the gpt-4o transcribers stream it.
      const pieces = model === 'whisper-1' ? [transcript] : (transcript.match(/\S+\s*/g) ?? [transcript]);
      for (const delta of pieces) this.#emit({ type: 'conversation.item.input_audio_transcription.delta', item_id: id, content_index: 0, delta });
      const part = stored.item.content?.[0];
      if (part) part.transcript = transcript;
      const audioTokens = Math.max(1, Math.round(samplesToMs(stored.audioSamples) / 100));
      const outputTokens = Math.max(1, Math.ceil(transcript.length / 4));
      this.#emit({
        type: 'conversation.item.input_audio_transcription.completed',
        item_id: id,
        content_index: 0,
        transcript,
        usage: {
          type: 'tokens',
          total_tokens: audioTokens + outputTokens,
          input_tokens: audioTokens,
          input_token_details: { text_tokens: 0, audio_tokens: audioTokens },
          output_tokens: outputTokens,
        },
      });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Conversation items

  /** @param {Json} event */
  #createItem(event) {
    if (event.item === undefined) throw invalid.missing('item');
    let after;
    if (event.previous_item_id !== undefined && event.previous_item_id !== null) {
      after = expectString(event.previous_item_id, 'previous_item_id');
      if (after !== 'root' && !this.#conversation.has(after)) {
        throw invalid.custom('previous_item_id', `Error adding item: the previous item with id '${after}' does not exist.`, 'item_create_invalid_previous_item_id');
      }
    }
    const stored = validateItem(event.item, 'item', this.#conversation);
    const previous = this.#conversation.insert(stored, after);
    if (stored.item.type === 'message' && stored.item.role === 'user') this.#userTurns++;
    this.#emit({ type: 'conversation.item.added', previous_item_id: previous, item: structuredClone(stored.item) });
    this.#emit({ type: 'conversation.item.done', previous_item_id: previous, item: structuredClone(stored.item) });
  }

  /**
   * The stored item an event names by `item_id`, or OpenAI's "invalid item id" error.
   * @param {Json} event
   * @param {'retrieve' | 'truncate' | 'delete'} verb
   * @returns {StoredItem}
   */
  #itemFor(event, verb) {
    if (event.item_id === undefined) throw invalid.missing('item_id');
    const id = expectString(event.item_id, 'item_id');
    const stored = this.#conversation.get(id);
    if (!stored) {
      const doing = { retrieve: 'retrieving', truncate: 'truncating', delete: 'deleting' }[verb];
      throw invalid.custom('item_id', `Error ${doing} item: the item with id '${id}' does not exist.`, `item_${verb}_invalid_item_id`);
    }
    return stored;
  }

  /** @param {Json} event */
  #retrieve(event) {
    const stored = this.#itemFor(event, 'retrieve');
    const item = structuredClone(stored.item);
    // The retrieved item carries its audio, which events otherwise leave out.
    const part = item.content?.find((/** @type {Json} */ c) => c.type === 'input_audio' || c.type === 'output_audio');
    if (part && stored.audioSamples > 0) part.audio = encodePcm16(concatPcm(stored.audio));
    this.#emit({ type: 'conversation.item.retrieved', item });
  }

  /** @param {Json} event */
  #delete(event) {
    const stored = this.#itemFor(event, 'delete');
    this.#conversation.delete(stored.item.id);
    this.#emit({ type: 'conversation.item.deleted', item_id: stored.item.id });
  }

  /**
   * Truncation makes the model's memory match what the listener actually heard: the audio is
   * cut at `audio_end_ms` and the text transcript deleted (so no unheard text stays in context).
   * @param {Json} event
   */
  #truncate(event) {
    const stored = this.#itemFor(event, 'truncate');
    if (event.content_index === undefined) throw invalid.missing('content_index');
    const contentIndex = expectNumber(event.content_index, 'content_index', { min: 0, integer: true });
    if (event.audio_end_ms === undefined) throw invalid.missing('audio_end_ms');
    const audioEndMs = expectNumber(event.audio_end_ms, 'audio_end_ms', { min: 0, integer: true });
    const item = stored.item;
    if (item.type !== 'message' || item.role !== 'assistant' || stored.audioSamples === 0) {
      throw new RealtimeError({ code: 'unsupported_content_type', message: 'Only model output audio messages can be truncated' });
    }
    if (contentIndex !== 0) {
      throw invalid.custom('content_index', `Invalid 'content_index': item '${item.id}' has no content part ${contentIndex}.`);
    }
    const lengthMs = samplesToMs(stored.audioSamples);
    if (audioEndMs > lengthMs) {
      throw invalid.custom('audio_end_ms', `Audio content of ${Math.floor(lengthMs)}ms is already shorter than ${audioEndMs}ms`);
    }
    // Truncating what is still being spoken ends that response first.
    if (this.#active?.produced(item.id)) this.#active.cancel('client_cancelled');
    const keep = Math.min(stored.audioSamples, msToSamples(audioEndMs));
    stored.audio = [concatPcm(stored.audio).slice(0, keep)];
    stored.audioSamples = keep;
    const part = item.content?.[0];
    if (part && part.type === 'output_audio') part.transcript = '';
    this.#emit({ type: 'conversation.item.truncated', item_id: item.id, content_index: contentIndex, audio_end_ms: audioEndMs });
  }

  // ---------------------------------------------------------------------------------------------
  // Responses

  /** @param {Json} event */
  #responseCreate(event) {
    const params = event.response === undefined || event.response === null ? {} : expectObject(event.response, 'response');
    onlyKeys(params, ['output_modalities', 'instructions', 'audio', 'tools', 'tool_choice', 'max_output_tokens', 'conversation', 'metadata', 'prompt', 'input', 'parallel_tool_calls', 'reasoning'], 'response');
    /** @type {ResponseOptions} */
    const options = {};
    if (params.output_modalities !== undefined) options.modality = /** @type {'audio' | 'text'} */ (modalities(params.output_modalities, 'response.output_modalities')[0]);
    if (params.instructions !== undefined) options.instructions = expectString(params.instructions, 'response.instructions');
    if (params.audio !== undefined) {
      const audio = expectObject(params.audio, 'response.audio');
      onlyKeys(audio, ['output'], 'response.audio');
      if (audio.output !== undefined) {
        const output = expectObject(audio.output, 'response.audio.output');
        onlyKeys(output, ['format', 'voice'], 'response.audio.output');
        if (output.voice !== undefined) {
          options.voice = isObject(output.voice)
            ? { id: expectString(output.voice.id, 'response.audio.output.voice.id') }
            : expectEnum(output.voice, 'response.audio.output.voice', VOICES);
        }
      }
    }
    if (params.tools !== undefined) options.tools = validateTools(params.tools, 'response.tools');
    if (params.tool_choice !== undefined) options.toolChoice = toolChoice(params.tool_choice, 'response.tool_choice');
    if (params.max_output_tokens !== undefined) options.maxOutputTokens = maxOutputTokens(params.max_output_tokens, 'response.max_output_tokens');
    if (params.conversation !== undefined) {
      options.outOfBand = expectEnum(params.conversation, 'response.conversation', ['auto', 'none']) === 'none';
    }
    if (params.metadata !== undefined && params.metadata !== null) options.metadata = metadata(params.metadata, 'response.metadata');
    if (params.input !== undefined) {
      if (!Array.isArray(params.input)) throw invalid.type('response.input', 'an array', params.input);
      options.input = params.input.map((entry, i) => {
        // `input` may reference existing items by id, or bring new ones for this response only.
        if (isObject(entry) && entry.type === 'item_reference') {
          const ref = this.#conversation.get(expectString(entry.id, `response.input[${i}].id`));
          if (!ref) throw invalid.custom(`response.input[${i}].id`, `Item with id '${entry.id}' does not exist.`);
          return ref;
        }
        return validateItem(entry, `response.input[${i}]`, this.#conversation);
      });
    }
    if (!options.outOfBand && this.#active) {
      throw new RealtimeError({
        code: 'conversation_already_has_active_response',
        message: `Conversation already has an active response in progress: ${this.#active.id}. Wait until the response is finished before creating a new one.`,
      });
    }
    this.#startResponse(options);
  }

  /** @param {Json} event */
  #responseCancel(event) {
    const wanted = event.response_id === undefined ? undefined : expectString(event.response_id, 'response_id');
    const run = wanted === undefined ? this.#active : [...this.#runs].find((r) => r.id === wanted);
    if (!run || run.finished) {
      throw new RealtimeError({ code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found' });
    }
    run.cancel('client_cancelled');
  }

  /**
   * @typedef {object} ResponseOptions
   * @property {'audio' | 'text'} [modality]
   * @property {string} [instructions]
   * @property {string | {id: string}} [voice]
   * @property {Json[]} [tools]
   * @property {string | Json} [toolChoice]
   * @property {number | 'inf'} [maxOutputTokens]
   * @property {boolean} [outOfBand]
   * @property {Json} [metadata]
   * @property {StoredItem[]} [input]
   * @property {string} [forcedText] test hook: say exactly this
   */

  /**
   * @param {ResponseOptions} options
   * @returns {string} the response id
   */
  #startResponse(options) {
    const config = this.#config;
    const context = options.input ?? this.#conversation.items();
    const tools = options.tools ?? config.tools;
    const toolChoiceValue = options.toolChoice ?? config.tool_choice;
    const { scenario, version } = this.#scenario();
    const outputs =
      options.forcedText !== undefined
        ? [{ kind: /** @type {const} */ ('message'), text: options.forcedText }]
        : planReply(this.#replyContext(context, { tools, toolChoice: toolChoiceValue, instructions: options.instructions }), scenario, this.#cursor, version);
    const tuning = this.#host.tuning();
    const outOfBand = options.outOfBand ?? false;
    const run = new ResponseRun(
      {
        emit: (e) => this.#emit(e),
        conversation: this.#conversation,
        random: this.#host.random,
        onAssistantAudio: () => {
          this.#hasAssistantAudio = true;
        },
        onFinished: (finished) => {
          this.#runs.delete(finished);
          if (this.#active === finished) {
            this.#active = null;
            this.#armIdleTimer(finished);
          }
        },
        onError: this.#host.onError,
      },
      {
        id: responseId(),
        outputs,
        settings: {
          modality: options.modality ?? /** @type {'audio' | 'text'} */ (config.output_modalities[0]),
          voice: options.voice ?? config.audio.output.voice,
          speed: config.audio.output.speed,
          maxOutputTokens: options.maxOutputTokens ?? config.max_output_tokens,
          outOfBand,
          conversationId: outOfBand ? null : this.#conversationId,
          ...(options.metadata ? { metadata: options.metadata } : {}),
          inputTokens: this.#estimateInputTokens(context),
        },
        pacing: {
          latencyMs: scenario.latencyMs ?? 200,
          speedup: scenario.speedup ?? 4,
          burst: tuning.burst,
          engine: tuning.engine,
        },
      },
    );
    this.#responses++;
    this.#runs.add(run);
    if (!outOfBand) this.#active = run;
    this.#cancelIdleTimer();
    run.start();
    return run.id;
  }

  /**
   * @param {StoredItem[]} items
   * @param {{tools: Json[], toolChoice: string | Json, instructions?: string}} options
   * @returns {ReplyContext}
   */
  #replyContext(items, { tools, toolChoice: choice, instructions }) {
    const last = [...items].reverse().find((s) => !(s.item.type === 'message' && s.item.role === 'system'));
    const userTurns = items.filter((s) => s.item.type === 'message' && s.item.role === 'user').length;
    /** @type {ReplyContext} */
    const context = {
      kind: 'other',
      text: '',
      tools,
      toolChoice: choice,
      instructions: this.#config.instructions,
      turn: userTurns,
      ...(instructions !== undefined ? { responseInstructions: instructions } : {}),
    };
    if (!last) context.kind = 'greeting';
    else if (last.item.type === 'function_call_output') {
      context.kind = 'tool_output';
      context.text = last.text ?? '';
      const call = items.find((s) => s.item.type === 'function_call' && s.item.call_id === last.item.call_id);
      if (call) {
        context.toolName = call.item.name;
        try {
          context.toolArguments = JSON.parse(call.item.arguments);
        } catch {
          context.toolArguments = {};
        }
      }
    } else if (last.item.type === 'message' && last.item.role === 'user') {
      context.kind = 'user';
      context.text = last.text ?? '';
      if (context.text === '[idle]') {
        context.kind = 'other';
      }
    } else if (userTurns === 0 && !items.some((s) => s.item.role === 'assistant')) {
      context.kind = 'greeting';
    }
    return context;
  }

  /**
   * Rough token counts for `usage`: text ≈ 4 chars per token, user audio ≈ 10 tokens/s, model
   * audio ≈ 20 tokens/s (the ratios seen in real usage reports).
   * @param {StoredItem[]} items
   * @returns {{text: number, audio: number}}
   */
  #estimateInputTokens(items) {
    let chars = this.#config.instructions.length + JSON.stringify(this.#config.tools).length;
    let audio = 0;
    for (const s of items) {
      const ms = samplesToMs(s.audioSamples);
      audio += s.item.role === 'assistant' ? ms / 50 : ms / 100;
      if (s.item.role !== 'user' || s.audioSamples === 0) chars += (s.text ?? JSON.stringify(s.item.content ?? s.item.arguments ?? '')).length;
    }
    return { text: Math.ceil(chars / 4), audio: Math.round(audio) };
  }

  /**
   * Server VAD's `idle_timeout_ms`: counted from when the last response's audio would have
   * finished playing; if nobody has spoken by then, the server commits the (silent) buffer and
   * prompts the user with a response of its own.
   * @param {ResponseRun} finished
   */
  #armIdleTimer(finished) {
    const td = this.#config.audio.input.turn_detection;
    if (this.#closed || td?.type !== 'server_vad' || !td.idle_timeout_ms) return;
    let playbackMs = 0;
    for (const s of this.#conversation.items()) if (finished.produced(s.item.id)) playbackMs += samplesToMs(s.audioSamples);
    const startMs = Math.round(samplesToMs(this.#buffer.end));
    this.#cancelIdleTimer();
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      if (this.#closed || this.#active || this.#vad?.speaking) return;
      const id = itemId();
      const endMs = Math.max(startMs, Math.round(samplesToMs(this.#buffer.end)));
      this.#emit({ type: 'input_audio_buffer.timeout_triggered', audio_start_ms: startMs, audio_end_ms: endMs, item_id: id });
      this.#commitAudio(this.#buffer.take(), id, '[idle]');
      this.#vad?.reset(this.#buffer.end);
      this.#startResponse({});
    }, td.idle_timeout_ms + playbackMs);
  }

  #cancelIdleTimer() {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }

  // ---------------------------------------------------------------------------------------------

  #scenario() {
    return this.#host.scenario();
  }

  /** @param {Json} event */
  #emit(event) {
    if (this.#closed) return;
    this.#host.emit(event.event_id ? event : { event_id: eventId(), ...event });
  }

  /**
   * @param {number} ms
   * @param {() => void} fn
   */
  #later(ms, fn) {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#closed) return;
      try {
        fn();
      } catch (error) {
        this.#host.onError(error);
      }
    }, ms);
    this.#timers.add(timer);
  }
}

/**
 * `metadata`: up to 16 string pairs, keys ≤ 64 characters, values ≤ 512.
 * @param {unknown} value
 * @param {string} param
 * @returns {Json}
 */
function metadata(value, param) {
  const m = expectObject(value, param);
  const entries = Object.entries(m);
  if (entries.length > 16) throw invalid.custom(param, `Invalid '${param}': too many properties. Expected an object with at most 16 properties, but got ${entries.length} instead.`, 'object_above_max_properties');
  for (const [k, v] of entries) {
    if (k.length > 64) throw invalid.custom(`${param}.${k}`, `Invalid '${param}': key '${k.slice(0, 64)}…' is longer than 64 characters.`, 'string_above_max_length');
    expectString(v, `${param}.${k}`);
    if (v.length > 512) throw invalid.custom(`${param}.${k}`, `Invalid '${param}.${k}': string too long. Expected a string with maximum length 512, but got a string with length ${v.length} instead.`, 'string_above_max_length');
  }
  return { ...m };
}
