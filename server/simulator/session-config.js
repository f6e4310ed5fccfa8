// The GA session configuration: defaults as the real service reports them in `session.created`,
// validation of `session.update` (and of the `session` of a client-secret request) with
// OpenAI's error codes and wording, and the merge rules. An invalid update is rejected whole:
// nothing of it is applied, as with the real service.
import { invalid } from './errors.js';

/** @typedef {Record<string, any>} Json */

/**
 * @typedef {object} TurnDetection
 * @property {'server_vad' | 'semantic_vad'} type
 * @property {number} [threshold]
 * @property {number} [prefix_padding_ms]
 * @property {number} [silence_duration_ms]
 * @property {number | null} [idle_timeout_ms]
 * @property {'low' | 'medium' | 'high' | 'auto'} [eagerness]
 * @property {boolean} create_response
 * @property {boolean} interrupt_response
 */

/**
 * @typedef {object} SessionConfig
 * @property {'realtime'} type
 * @property {string} model
 * @property {Array<'audio' | 'text'>} output_modalities
 * @property {string} instructions
 * @property {Json[]} tools
 * @property {string | Json} tool_choice
 * @property {number | 'inf'} max_output_tokens
 * @property {string | Json | null} tracing
 * @property {string | Json} truncation
 * @property {Json | null} prompt
 * @property {string[] | null} include
 * @property {boolean} [parallel_tool_calls]
 * @property {Json} [reasoning]
 * @property {{input: {format: Json, transcription: Json | null, noise_reduction: Json | null, turn_detection: TurnDetection | null}, output: {format: Json, voice: string | {id: string}, speed: number}}} audio
 */

/** What the local server says its built-in instructions are (real sessions show theirs too). */
export const DEFAULT_INSTRUCTIONS =
  'You are a helpful, friendly voice assistant. Keep answers short. (Local Realtime server: replies come from its scenario, not from a model.)';

/** The built-in voices, in OpenAI's order (used in its error messages). */
export const VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'];

/** @returns {TurnDetection} */
export const defaultServerVad = () => ({
  type: 'server_vad',
  threshold: 0.5,
  prefix_padding_ms: 300,
  // The real service reports 200 ms here in `session.created`, although its docs say 500.
  silence_duration_ms: 200,
  idle_timeout_ms: null,
  create_response: true,
  interrupt_response: true,
});

/**
 * @param {{model?: string}} [options]
 * @returns {SessionConfig}
 */
export function defaultSessionConfig({ model = 'gpt-realtime' } = {}) {
  return {
    type: 'realtime',
    model,
    output_modalities: ['audio'],
    instructions: DEFAULT_INSTRUCTIONS,
    tools: [],
    tool_choice: 'auto',
    max_output_tokens: 'inf',
    tracing: null,
    truncation: 'auto',
    prompt: null,
    include: null,
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: 24000 },
        transcription: null,
        noise_reduction: null,
        turn_detection: defaultServerVad(),
      },
      output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1 },
    },
  };
}

/**
 * The session object as `session.created` / `session.updated` carry it. Fields whose "off" value
 * the schema types as an object (transcription, include) are left out rather than sent as null.
 * @param {SessionConfig} config
 * @param {{id: string, expiresAt: number}} meta
 * @returns {Json}
 */
export function publicSession(config, { id, expiresAt }) {
  /** @type {Json} */
  const input = { format: { ...config.audio.input.format } };
  if (config.audio.input.transcription) input.transcription = { ...config.audio.input.transcription };
  input.noise_reduction = config.audio.input.noise_reduction && { ...config.audio.input.noise_reduction };
  input.turn_detection = config.audio.input.turn_detection && { ...config.audio.input.turn_detection };
  /** @type {Json} */
  const session = {
    type: 'realtime',
    object: 'realtime.session',
    id,
    model: config.model,
    output_modalities: [...config.output_modalities],
    instructions: config.instructions,
    tools: structuredClone(config.tools),
    tool_choice: structuredClone(config.tool_choice),
    max_output_tokens: config.max_output_tokens,
    tracing: structuredClone(config.tracing),
    truncation: structuredClone(config.truncation),
    prompt: structuredClone(config.prompt),
    expires_at: expiresAt,
    audio: {
      input,
      output: {
        format: { ...config.audio.output.format },
        // A custom voice (`{id}`) is reported by its id: the session object's voice is a string.
        voice: typeof config.audio.output.voice === 'string' ? config.audio.output.voice : config.audio.output.voice.id,
        speed: config.audio.output.speed,
      },
    },
  };
  if (config.include) session.include = [...config.include];
  if (config.parallel_tool_calls !== undefined) session.parallel_tool_calls = config.parallel_tool_calls;
  if (config.reasoning !== undefined) session.reasoning = structuredClone(config.reasoning);
  return session;
}

// ---------------------------------------------------------------------------------------------
// Validation helpers: each throws OpenAI's error for the first problem found.

/**
 * @param {unknown} value
 * @returns {value is Json}
 */
export const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * @param {unknown} value
 * @param {string} param
 * @returns {Json}
 */
export function expectObject(value, param) {
  if (!isObject(value)) throw invalid.type(param, 'an object', value);
  return value;
}

/**
 * @param {Json} value
 * @param {readonly string[]} allowed
 * @param {string} param
 */
export function onlyKeys(value, allowed, param) {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) throw invalid.unknownParameter(`${param}.${key}`);
}

/**
 * @param {unknown} value
 * @param {string} param
 * @returns {string}
 */
export function expectString(value, param) {
  if (typeof value !== 'string') throw invalid.type(param, 'a string', value);
  return value;
}

/**
 * @param {unknown} value
 * @param {string} param
 * @returns {boolean}
 */
function expectBoolean(value, param) {
  if (typeof value !== 'boolean') throw invalid.type(param, 'a boolean', value);
  return value;
}

/**
 * @param {unknown} value
 * @param {string} param
 * @param {{min?: number, max?: number, integer?: boolean}} [rules]
 * @returns {number}
 */
export function expectNumber(value, param, { min, max, integer = false } = {}) {
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw invalid.type(param, integer ? 'an integer' : 'a number', value);
  }
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) throw invalid.range(param, value, { min, max });
  return value;
}

/**
 * @template {string} T
 * @param {unknown} value
 * @param {string} param
 * @param {readonly T[]} values
 * @returns {T}
 */
export function expectEnum(value, param, values) {
  if (typeof value !== 'string') throw invalid.type(param, 'a string', value);
  if (!values.includes(/** @type {T} */ (value))) throw invalid.value(param, value, values);
  return /** @type {T} */ (value);
}

// ---------------------------------------------------------------------------------------------

const SESSION_KEYS = [
  'type',
  'output_modalities',
  'model',
  'instructions',
  'audio',
  'include',
  'tracing',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'reasoning',
  'max_output_tokens',
  'truncation',
  'prompt',
];

/**
 * Validates a session update and returns the merged configuration. Objects that describe one
 * thing (a format, the turn detection, the transcription) are replaced whole, with defaults for
 * what they leave out; the `audio` containers are merged field by field.
 * @param {SessionConfig} current
 * @param {unknown} update
 * @param {{param?: string, hasAssistantAudio?: boolean}} [options]
 * @returns {SessionConfig}
 */
export function applySessionUpdate(current, update, { param = 'session', hasAssistantAudio = false } = {}) {
  const input = expectObject(update, param);
  onlyKeys(input, SESSION_KEYS, param);
  // GA requires the session type on every update; beta clients that omit it learn it here.
  if (input.type === undefined) throw invalid.missing(`${param}.type`);
  expectEnum(input.type, `${param}.type`, ['realtime']);
  /** @type {SessionConfig} */
  const next = structuredClone(current);
  if ('model' in input) next.model = expectString(input.model, `${param}.model`);
  if ('instructions' in input) next.instructions = expectString(input.instructions, `${param}.instructions`);
  if ('output_modalities' in input) next.output_modalities = modalities(input.output_modalities, `${param}.output_modalities`);
  if ('audio' in input) applyAudio(next, input.audio, `${param}.audio`, current, hasAssistantAudio);
  if ('include' in input) next.include = include(input.include, `${param}.include`);
  if ('tracing' in input) next.tracing = tracing(input.tracing, `${param}.tracing`);
  if ('tools' in input) next.tools = tools(input.tools, `${param}.tools`);
  if ('tool_choice' in input) next.tool_choice = toolChoice(input.tool_choice, `${param}.tool_choice`);
  if ('parallel_tool_calls' in input) next.parallel_tool_calls = expectBoolean(input.parallel_tool_calls, `${param}.parallel_tool_calls`);
  if ('reasoning' in input) {
    const reasoning = expectObject(input.reasoning, `${param}.reasoning`);
    onlyKeys(reasoning, ['effort'], `${param}.reasoning`);
    if (reasoning.effort !== undefined) expectEnum(reasoning.effort, `${param}.reasoning.effort`, ['minimal', 'low', 'medium', 'high', 'xhigh']);
    next.reasoning = { ...reasoning };
  }
  if ('max_output_tokens' in input) next.max_output_tokens = maxOutputTokens(input.max_output_tokens, `${param}.max_output_tokens`);
  if ('truncation' in input) next.truncation = truncation(input.truncation, `${param}.truncation`);
  if ('prompt' in input) {
    if (input.prompt === null) next.prompt = null;
    else {
      const prompt = expectObject(input.prompt, `${param}.prompt`);
      expectString(prompt.id, `${param}.prompt.id`);
      next.prompt = structuredClone(prompt);
    }
  }
  return next;
}

/**
 * @param {unknown} value
 * @param {string} param
 * @returns {Array<'audio' | 'text'>}
 */
export function modalities(value, param) {
  if (!Array.isArray(value)) throw invalid.type(param, 'an array', value);
  /** @type {Array<'text' | 'audio'>} */
  const list = value.map((v, i) => expectEnum(v, `${param}[${i}]`, /** @type {const} */ (['text', 'audio'])));
  const unique = [...new Set(list)];
  if (unique.length !== 1) {
    throw invalid.custom(
      param,
      `Invalid modalities: [${unique.map((m) => `'${m}'`).join(', ')}]. Supported combinations are: ['text'] and ['audio'].`,
    );
  }
  return unique;
}

/**
 * @param {SessionConfig} next
 * @param {unknown} value
 * @param {string} param
 * @param {SessionConfig} current
 * @param {boolean} hasAssistantAudio
 */
function applyAudio(next, value, param, current, hasAssistantAudio) {
  const audio = expectObject(value, param);
  onlyKeys(audio, ['input', 'output'], param);
  if (audio.input !== undefined) {
    const input = expectObject(audio.input, `${param}.input`);
    onlyKeys(input, ['format', 'transcription', 'noise_reduction', 'turn_detection'], `${param}.input`);
    if ('format' in input) next.audio.input.format = format(input.format, `${param}.input.format`);
    if ('transcription' in input) next.audio.input.transcription = transcription(input.transcription, `${param}.input.transcription`);
    if ('noise_reduction' in input) {
      if (input.noise_reduction === null) next.audio.input.noise_reduction = null;
      else {
        const nr = expectObject(input.noise_reduction, `${param}.input.noise_reduction`);
        onlyKeys(nr, ['type'], `${param}.input.noise_reduction`);
        next.audio.input.noise_reduction = { type: expectEnum(nr.type, `${param}.input.noise_reduction.type`, ['near_field', 'far_field']) };
      }
    }
    if ('turn_detection' in input) next.audio.input.turn_detection = turnDetection(input.turn_detection, `${param}.input.turn_detection`);
  }
  if (audio.output !== undefined) {
    const output = expectObject(audio.output, `${param}.output`);
    onlyKeys(output, ['format', 'voice', 'speed'], `${param}.output`);
    if ('format' in output) next.audio.output.format = format(output.format, `${param}.output.format`);
    if ('voice' in output) {
      const voice = voiceValue(output.voice, `${param}.output.voice`);
      if (hasAssistantAudio && JSON.stringify(voice) !== JSON.stringify(current.audio.output.voice)) {
        throw invalid.custom(`${param}.output.voice`, "Cannot update a conversation's voice if assistant audio is present.", 'cannot_update_voice');
      }
      next.audio.output.voice = voice;
    }
    if ('speed' in output) next.audio.output.speed = expectNumber(output.speed, `${param}.output.speed`, { min: 0.25, max: 1.5 });
  }
}

/**
 * @param {unknown} value
 * @param {string} param
 * @returns {Json}
 */
function format(value, param) {
  const f = expectObject(value, param);
  onlyKeys(f, ['type', 'rate'], param);
  if (f.type === undefined) throw invalid.missing(`${param}.type`);
  const type = expectEnum(f.type, `${param}.type`, ['audio/pcm', 'audio/pcmu', 'audio/pcma']);
  if (type !== 'audio/pcm') {
    // G.711 is real GA behaviour, but a browser widget never needs it; say so rather than
    // pretend and send PCM anyway.
    throw invalid.custom(`${param}.type`, `The local Realtime server supports only 'audio/pcm', not '${type}'.`, 'unsupported_value');
  }
  if (f.rate !== undefined && f.rate !== 24000) {
    if (typeof f.rate !== 'number') throw invalid.type(`${param}.rate`, 'an integer', f.rate);
    throw invalid.value(`${param}.rate`, f.rate, [24000]);
  }
  return { type: 'audio/pcm', rate: 24000 };
}

/**
 * @param {unknown} value
 * @param {string} param
 * @returns {Json | null}
 */
function transcription(value, param) {
  if (value === null) return null;
  const t = expectObject(value, param);
  onlyKeys(t, ['model', 'language', 'languages', 'prompt', 'keywords', 'delay'], param);
  /** @type {Json} */
  const out = { model: t.model === undefined ? 'gpt-4o-mini-transcribe' : expectString(t.model, `${param}.model`) };
  if (t.language !== undefined) out.language = expectString(t.language, `${param}.language`);
  if (t.prompt !== undefined) out.prompt = expectString(t.prompt, `${param}.prompt`);
  if (t.languages !== undefined) {
    if (!Array.isArray(t.languages) || t.languages.length === 0) throw invalid.type(`${param}.languages`, 'a non-empty array', t.languages);
    out.languages = t.languages.map((l, i) => expectString(l, `${param}.languages[${i}]`));
  }
  return out;
}

/**
 * @param {unknown} value
 * @param {string} param
 * @returns {TurnDetection | null}
 */
export function turnDetection(value, param) {
  if (value === null) return null;
  const td = expectObject(value, param);
  if (td.type === undefined) throw invalid.missing(`${param}.type`);
  const type = expectEnum(td.type, `${param}.type`, ['server_vad', 'semantic_vad']);
  const flags = (/** @type {TurnDetection} */ base) => {
    if (td.create_response !== undefined) base.create_response = expectBoolean(td.create_response, `${param}.create_response`);
    if (td.interrupt_response !== undefined) base.interrupt_response = expectBoolean(td.interrupt_response, `${param}.interrupt_response`);
    return base;
  };
  if (type === 'semantic_vad') {
    onlyKeys(td, ['type', 'eagerness', 'create_response', 'interrupt_response'], param);
    const eagerness = td.eagerness === undefined ? 'auto' : expectEnum(td.eagerness, `${param}.eagerness`, ['low', 'medium', 'high', 'auto']);
    return flags({ type, eagerness, create_response: true, interrupt_response: true });
  }
  onlyKeys(td, ['type', 'threshold', 'prefix_padding_ms', 'silence_duration_ms', 'idle_timeout_ms', 'create_response', 'interrupt_response'], param);
  const vad = defaultServerVad();
  if (td.threshold !== undefined) vad.threshold = expectNumber(td.threshold, `${param}.threshold`, { min: 0, max: 1 });
  if (td.prefix_padding_ms !== undefined) {
    vad.prefix_padding_ms = expectNumber(td.prefix_padding_ms, `${param}.prefix_padding_ms`, { min: 0, max: 10000, integer: true });
  }
  if (td.silence_duration_ms !== undefined) {
    vad.silence_duration_ms = expectNumber(td.silence_duration_ms, `${param}.silence_duration_ms`, { min: 0, max: 10000, integer: true });
  }
  if (td.idle_timeout_ms !== undefined && td.idle_timeout_ms !== null) {
    vad.idle_timeout_ms = expectNumber(td.idle_timeout_ms, `${param}.idle_timeout_ms`, { min: 5000, max: 30000, integer: true });
  }
  return flags(vad);
}

/**
 * @param {unknown} value
 * @param {string} param
 * @returns {string | {id: string}}
 */
function voiceValue(value, param) {
  if (isObject(value)) {
    onlyKeys(value, ['id'], param);
    return { id: expectString(value.id, `${param}.id`) };
  }
  return expectEnum(value, param, VOICES);
}

/**
 * @param {unknown} value
 * @param {string} param
 * @returns {string[] | null}
 */
function include(value, param) {
  if (value === null) return null;
  if (!Array.isArray(value)) throw invalid.type(param, 'an array', value);
  return value.map((v, i) => expectEnum(v, `${param}[${i}]`, ['item.input_audio_transcription.logprobs']));
}

/**
 * @param {unknown} value
 * @param {string} param
 * @returns {string | Json | null}
 */
function tracing(value, param) {
  if (value === null || value === 'auto') return value;
  if (typeof value === 'string') throw invalid.value(param, value, ['auto']);
  const t = expectObject(value, param);
  onlyKeys(t, ['workflow_name', 'group_id', 'metadata'], param);
  return structuredClone(t);
}

/**
 * Function tools as the GA API takes them. MCP tools are real GA, but this server cannot reach
 * an MCP server, so it refuses them plainly.
 * @param {unknown} value
 * @param {string} param
 * @returns {Json[]}
 */
export function tools(value, param) {
  if (!Array.isArray(value)) throw invalid.type(param, 'an array', value);
  const names = new Set();
  return value.map((entry, i) => {
    const p = `${param}[${i}]`;
    const tool = expectObject(entry, p);
    if (tool.type === undefined) throw invalid.missing(`${p}.type`);
    const type = expectEnum(tool.type, `${p}.type`, ['function', 'mcp']);
    if (type === 'mcp') throw invalid.custom(`${p}.type`, 'MCP tools are not supported by the local Realtime server.', 'unsupported_value');
    onlyKeys(tool, ['type', 'name', 'description', 'parameters'], p);
    if (tool.name === undefined) throw invalid.missing(`${p}.name`);
    const name = expectString(tool.name, `${p}.name`);
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
      throw invalid.custom(
        `${p}.name`,
        `Invalid '${p}.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.`,
      );
    }
    if (names.has(name)) throw invalid.custom(`${p}.name`, `Duplicate tool name: '${name}'.`);
    names.add(name);
    /** @type {Json} */
    const out = { type: 'function', name };
    if (tool.description !== undefined) out.description = expectString(tool.description, `${p}.description`);
    if (tool.parameters !== undefined) out.parameters = structuredClone(expectObject(tool.parameters, `${p}.parameters`));
    return out;
  });
}

/**
 * @param {unknown} value
 * @param {string} param
 * @returns {string | Json}
 */
export function toolChoice(value, param) {
  if (typeof value === 'string') return expectEnum(value, param, ['none', 'auto', 'required']);
  const choice = expectObject(value, param);
  onlyKeys(choice, ['type', 'name', 'server_label'], param);
  expectEnum(choice.type, `${param}.type`, ['function']);
  if (choice.name === undefined) throw invalid.missing(`${param}.name`);
  return { type: 'function', name: expectString(choice.name, `${param}.name`) };
}

/**
 * @param {unknown} value
 * @param {string} param
 * @returns {number | 'inf'}
 */
export function maxOutputTokens(value, param) {
  if (value === 'inf') return 'inf';
  if (typeof value === 'string') throw invalid.value(param, value, ['inf']);
  return expectNumber(value, param, { min: 1, max: 4096, integer: true });
}

/**
 * @param {unknown} value
 * @param {string} param
 * @returns {string | Json}
 */
function truncation(value, param) {
  if (typeof value === 'string') return expectEnum(value, param, ['auto', 'disabled']);
  const t = expectObject(value, param);
  onlyKeys(t, ['type', 'retention_ratio', 'token_limits'], param);
  expectEnum(t.type, `${param}.type`, ['retention_ratio']);
  expectNumber(t.retention_ratio, `${param}.retention_ratio`, { min: 0, max: 1 });
  return structuredClone(t);
}
