// Conversation items as clients create them: validation with OpenAI's errors, and the stored
// form the session keeps (audio decoded and held apart from the JSON the events carry).
import { SAMPLE_RATE, concatPcm, decodeStrictPcm16, rmsDbfs, samplesToMs } from './audio.js';
import { invalid } from './errors.js';
import { callId, itemId } from './ids.js';
import { expectEnum, expectObject, expectString, onlyKeys } from './session-config.js';

/** @typedef {Record<string, any>} Json */
/** @typedef {import('./conversation.js').Conversation} Conversation */
/** @typedef {import('./conversation.js').StoredItem} StoredItem */

/**
 * Validates a client-supplied item (`conversation.item.create`, `response.input`) into its stored
 * form: audio decoded and kept out of events, the text the scenario will read, OpenAI's errors.
 * @param {unknown} value
 * @param {string} param
 * @param {Conversation} conversation to refuse ids already taken
 * @returns {StoredItem}
 */
export function validateItem(value, param, conversation) {
  const item = expectObject(value, param);
  if (item.type === undefined) throw invalid.missing(`${param}.type`);
  const type = expectEnum(item.type, `${param}.type`, ['message', 'function_call', 'function_call_output']);
  let id = itemId();
  if (item.id !== undefined) {
    id = expectString(item.id, `${param}.id`);
    if (id.length === 0 || id.length > 32) throw invalid.custom(`${param}.id`, `Invalid '${param}.id': string must be 1 to 32 characters long.`);
    if (conversation.has(id)) throw invalid.custom(`${param}.id`, `Item with id '${id}' already exists.`, 'item_id_already_exists');
  }
  if (type === 'function_call_output') {
    onlyKeys(item, ['id', 'object', 'type', 'status', 'call_id', 'output'], param);
    if (item.call_id === undefined) throw invalid.missing(`${param}.call_id`);
    if (item.output === undefined) throw invalid.missing(`${param}.output`);
    const out = { id, object: 'realtime.item', type, status: 'completed', call_id: expectString(item.call_id, `${param}.call_id`), output: expectString(item.output, `${param}.output`) };
    return { item: out, audio: [], audioSamples: 0, text: out.output };
  }
  if (type === 'function_call') {
    onlyKeys(item, ['id', 'object', 'type', 'status', 'call_id', 'name', 'arguments'], param);
    if (item.name === undefined) throw invalid.missing(`${param}.name`);
    const call = {
      id,
      object: 'realtime.item',
      type,
      status: 'completed',
      call_id: item.call_id === undefined ? callId() : expectString(item.call_id, `${param}.call_id`),
      name: expectString(item.name, `${param}.name`),
      arguments: item.arguments === undefined ? '{}' : expectString(item.arguments, `${param}.arguments`),
    };
    return { item: call, audio: [], audioSamples: 0 };
  }
  onlyKeys(item, ['id', 'object', 'type', 'status', 'role', 'content'], param);
  if (item.role === undefined) throw invalid.missing(`${param}.role`);
  const role = expectEnum(item.role, `${param}.role`, ['user', 'assistant', 'system']);
  if (item.content === undefined) throw invalid.missing(`${param}.content`);
  if (!Array.isArray(item.content)) throw invalid.type(`${param}.content`, 'an array', item.content);
  const allowed = { user: ['input_text', 'input_audio', 'input_image'], system: ['input_text'], assistant: ['output_text', 'output_audio'] }[role];
  /** @type {Int16Array[]} */
  const audio = [];
  /** @type {string[]} */
  const texts = [];
  const content = item.content.map((entry, i) => {
    const p = `${param}.content[${i}]`;
    const part = expectObject(entry, p);
    if (part.type === undefined) throw invalid.missing(`${p}.type`);
    const partType = expectEnum(part.type, `${p}.type`, allowed);
    /** @type {Json} */
    const out = { type: partType };
    if (partType === 'input_text' || partType === 'output_text') {
      if (part.text === undefined) throw invalid.missing(`${p}.text`);
      out.text = expectString(part.text, `${p}.text`);
      texts.push(out.text);
    } else if (partType === 'input_audio' || partType === 'output_audio') {
      if (part.audio !== undefined) {
        const b64 = expectString(part.audio, `${p}.audio`);
        const samples = decodeStrictPcm16(b64);
        if (!samples) throw invalid.custom(`${p}.audio`, `Invalid '${p}.audio': expected base64-encoded PCM16 audio.`);
        audio.push(samples);
      }
      if (part.transcript !== undefined && part.transcript !== null) {
        out.transcript = expectString(part.transcript, `${p}.transcript`);
        texts.push(out.transcript);
      }
    } else {
      if (part.image_url !== undefined) out.image_url = expectString(part.image_url, `${p}.image_url`);
      if (part.detail !== undefined) out.detail = expectEnum(part.detail, `${p}.detail`, ['auto', 'low', 'high']);
      texts.push('[image]');
    }
    return out;
  });
  const pcm = concatPcm(audio);
  const text = texts.length ? texts.join(' ') : pcm.length ? describeAudio(pcm) : '';
  return {
    item: { id, object: 'realtime.item', type: 'message', status: 'completed', role, content },
    audio: pcm.length ? [pcm] : [],
    audioSamples: pcm.length,
    text,
  };
}

/**
 * An honest stand-in transcript for audio nobody scripted: what was heard and for how long.
 * @param {Int16Array} pcm
 * @returns {string}
 */
export function describeAudio(pcm) {
  // Loud enough in any 50 ms window to have been speech at the default VAD threshold?
  const win = SAMPLE_RATE / 20;
  let loud = false;
  for (let i = 0; i + win <= pcm.length && !loud; i += win) loud = rmsDbfs(pcm, i, i + win) > -45;
  return `[${loud ? 'speech' : 'silence'}, ${(samplesToMs(pcm.length) / 1000).toFixed(1)} s]`;
}
