// Builds the GA `session.update` payload from the element's configuration (PROTOCOL.md §2).
import type { RealtimeFunctionTool, RealtimeSessionConfig, RealtimeTurnDetection } from '../protocol/events.js';
import type { RealtimeTool, SessionConfig } from './types.js';

/** The wire format both ways: PCM16, 24 kHz, mono (PROTOCOL.md §0.5). */
export const PCM_FORMAT = { type: 'audio/pcm', rate: 24000 } as const;

/** Tool parameters when a tool declares none: an empty object schema, which the API requires. */
const NO_PARAMETERS = { type: 'object', properties: {} } as const;

/** `en-US` → `en`: the transcription models take an ISO-639-1 code, the attribute is BCP 47. */
export function transcriptionLanguage(language: string | undefined): string | undefined {
  if (!language) return undefined;
  const primary = language.trim().split(/[-_]/)[0]?.toLowerCase();
  return primary && /^[a-z]{2,3}$/.test(primary) ? primary : undefined;
}

/** Whether the user's turns are manual (push-to-talk or `turn-detection="manual"`): no server VAD. */
export function isManualTurns(config: Pick<SessionConfig, 'pushToTalk' | 'turnDetection'>): boolean {
  return config.pushToTalk || config.turnDetection === 'manual';
}

function turnDetection(config: SessionConfig): RealtimeTurnDetection | null {
  if (isManualTurns(config)) return null;
  if (config.turnDetection === 'semantic_vad') {
    const semantic: RealtimeTurnDetection = { type: 'semantic_vad', create_response: true, interrupt_response: true };
    if (config.eagerness) semantic.eagerness = config.eagerness;
    return semantic;
  }
  const vad: RealtimeTurnDetection = { type: 'server_vad', create_response: true, interrupt_response: true };
  if (isNum(config.vadThreshold)) vad.threshold = config.vadThreshold;
  if (isNum(config.vadPrefixMs)) vad.prefix_padding_ms = Math.round(config.vadPrefixMs);
  if (isNum(config.vadSilenceMs)) vad.silence_duration_ms = Math.round(config.vadSilenceMs);
  return vad;
}

function isNum(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A `RealtimeTool` as the API wants it: no `handler` (functions never go on the wire). */
export function toFunctionTool(tool: RealtimeTool): RealtimeFunctionTool {
  const wire: RealtimeFunctionTool = { type: 'function', name: tool.name };
  if (tool.description) wire.description = tool.description;
  wire.parameters = tool.parameters ?? { ...NO_PARAMETERS };
  return wire;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Deep-merges `override` into `base` (a new object; neither is modified). Plain objects merge
 * key by key; arrays, primitives and `null` replace (so `null` can switch a feature off);
 * `undefined` leaves the base value alone.
 */
export function deepMerge<T extends Record<string, unknown>>(base: T, override: Record<string, unknown> | undefined): T {
  const out: Record<string, unknown> = { ...base };
  if (!override) return out as T;
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined || key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
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
  const transcriptionModel = config.transcriptionModel?.trim();
  let transcription: { model: string; language?: string } | null = null;
  if (transcriptionModel && transcriptionModel !== 'none') {
    transcription = { model: transcriptionModel };
    const language = transcriptionLanguage(config.language);
    if (language) transcription.language = language;
  }
  const noise = config.noiseReduction ?? 'near_field';

  const output: NonNullable<NonNullable<RealtimeSessionConfig['audio']>['output']> = { format: { ...PCM_FORMAT } };
  if (!options.omitVoice && config.voice) output.voice = config.voice;

  const session: RealtimeSessionConfig = {
    type: 'realtime',
    output_modalities: ['audio'],
    audio: {
      input: {
        format: { ...PCM_FORMAT },
        noise_reduction: noise === 'none' ? null : { type: noise },
        transcription,
        turn_detection: turnDetection(config),
      },
      output,
    },
  };
  if (config.instructions) session.instructions = config.instructions;
  if (config.tools.length > 0) {
    session.tools = config.tools.map(toFunctionTool);
    session.tool_choice = 'auto';
  }
  const merged = deepMerge(session, config.session as Record<string, unknown> | undefined);
  if (options.omitVoice) {
    // The escape hatch may carry a voice too; the same rule applies.
    const out = merged.audio?.output;
    if (out && 'voice' in out) delete out.voice;
  }
  return merged;
}

/** Whether the server cancels a response by itself when the user starts talking (PROTOCOL.md §4). */
export function serverInterruptsResponse(session: RealtimeSessionConfig): boolean {
  const td = session.audio?.input?.turn_detection;
  if (!td) return false;
  return td.interrupt_response !== false;
}
