// Builds the GA `session.update` payload from the element's configuration (PROTOCOL.md §2).
import type { RealtimeSessionConfig, RealtimeTurnDetection } from '../protocol/events.js';
import type { SessionConfig } from './types.js';

/** The wire format both ways: PCM16, 24 kHz, mono (PROTOCOL.md §0.5). */
const pcm = () => ({ type: 'audio/pcm', rate: 24000 }) as const;

/** `en-US` → `en`: the transcription models take an ISO-639-1 code, the attribute is BCP 47. */
export function transcriptionLanguage(language: string | undefined): string | undefined {
  const primary = language?.trim().split(/[-_]/)[0]!.toLowerCase();
  return primary && /^[a-z]{2,3}$/.test(primary) ? primary : undefined;
}

/** Whether the user's turns are manual (push-to-talk or `turn-detection="manual"`): no server VAD. */
export const isManualTurns = (config: Pick<SessionConfig, 'pushToTalk' | 'turnDetection'>): boolean =>
  config.pushToTalk || config.turnDetection === 'manual';

function turnDetection(config: SessionConfig): RealtimeTurnDetection | null {
  if (isManualTurns(config)) return null;
  const semantic = config.turnDetection === 'semantic_vad';
  const td: Record<string, unknown> = { type: semantic ? 'semantic_vad' : 'server_vad', create_response: true, interrupt_response: true };
  const tuning = semantic
    ? { eagerness: config.eagerness }
    : { threshold: config.vadThreshold, prefix_padding_ms: Math.round(config.vadPrefixMs!), silence_duration_ms: Math.round(config.vadSilenceMs!) };
  // Only what is set (and, for numbers, finite) is sent: the server's defaults apply otherwise.
  for (const [key, value] of Object.entries(tuning)) if (typeof value === 'string' || Number.isFinite(value)) td[key] = value;
  return td as RealtimeTurnDetection;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && [Object.prototype, null].includes(Object.getPrototypeOf(value));

/**
 * Deep-merges `override` into `base` (a new object; neither is modified). Plain objects merge
 * key by key; arrays, primitives and `null` replace (so `null` can switch a feature off);
 * `undefined` leaves the base value alone.
 */
export function deepMerge<T extends Record<string, unknown>>(base: T, override: Record<string, unknown> | undefined): T {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override ?? {})) {
    if (value === undefined || ['__proto__', 'constructor', 'prototype'].includes(key)) continue;
    const current = out[key];
    out[key] = isPlainObject(value) && isPlainObject(current) ? deepMerge(current, value) : value;
  }
  return out as T;
}

export interface BuildOptions {
  /**
   * Leave the voice out: it cannot change once the model has spoken in this session (the API
   * answers `cannot_update_voice`), so mid-call updates after the first audio omit it.
   */
  omitVoice?: boolean;
}

/**
 * The `session` object of `session.update`: attributes first, then `tools`, then the `session`
 * escape hatch deep-merged over everything. `instructions` only when set; `tools` only when any
 * are given, so tools pinned by the host backend's client secret are not wiped by `[]`.
 */
export function buildSessionConfig(config: SessionConfig, options: BuildOptions = {}): RealtimeSessionConfig {
  const model = config.transcriptionModel?.trim();
  const language = transcriptionLanguage(config.language);
  const noise = config.noiseReduction ?? 'near_field';
  const session: RealtimeSessionConfig = {
    type: 'realtime',
    output_modalities: ['audio'],
    audio: {
      input: {
        format: pcm(),
        noise_reduction: noise === 'none' ? null : { type: noise },
        transcription: model && model !== 'none' ? { model, ...(language && { language }) } : null,
        turn_detection: turnDetection(config),
      },
      output: { format: pcm(), ...(config.voice && { voice: config.voice }) },
    },
  };
  if (config.instructions) session.instructions = config.instructions;
  if (config.tools.length) {
    // Functions never go on the wire: no `handler`. The API requires an object schema.
    session.tools = config.tools.map(({ name, description, parameters }) => ({
      type: 'function',
      name,
      ...(description && { description }),
      parameters: parameters ?? { type: 'object', properties: {} },
    }));
    session.tool_choice = 'auto';
  }
  const merged = deepMerge(session, config.session);
  // The escape hatch may carry a voice too; the same rule applies.
  if (options.omitVoice) delete merged.audio?.output?.voice;
  return merged;
}
