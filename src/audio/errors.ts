// Typed audio failures. The session maps an `AudioError` onto the element's `rv-error` by its
// `code`, which is one of the stable error codes of docs/API.md (the audio subset of them).

/** The error codes the audio engine can produce (a subset of the element's stable codes). */
export type AudioErrorCode =
  | 'mic_permission_denied'
  | 'mic_unavailable'
  | 'audio_blocked'
  | 'worklet_load_failed'
  | 'unsupported_browser';

/** A typed audio failure with a user-presentable message; `cause` keeps the browser's error. */
export class AudioError extends Error {
  override readonly name = 'AudioError';
  constructor(
    readonly code: AudioErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Whether `value` is an `AudioError` (also across realms/bundles, by shape). */
export function isAudioError(value: unknown): value is AudioError {
  return (
    value instanceof AudioError ||
    (typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'AudioError' && typeof (value as { code?: unknown }).code === 'string')
  );
}

/**
 * Maps a `getUserMedia` rejection onto a typed error. Permission refusals (including an
 * insecure context, `SecurityError`) are `mic_permission_denied`; a missing, busy or unmatched
 * device is `mic_unavailable`; a browser without `mediaDevices` is `unsupported_browser`.
 */
export function micErrorFromException(error: unknown): AudioError {
  if (isAudioError(error)) return error;
  const name = typeof error === 'object' && error !== null ? String((error as { name?: unknown }).name ?? '') : '';
  const detail = error instanceof Error && error.message ? ` (${error.message})` : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError': // Chrome < 64
    case 'SecurityError':
      return new AudioError('mic_permission_denied', `Microphone access was denied${detail}.`, { cause: error });
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'NotReadableError':
    case 'TrackStartError':
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError':
    case 'AbortError':
      return new AudioError('mic_unavailable', `No usable microphone${detail}.`, { cause: error });
    case 'TypeError':
      return new AudioError('unsupported_browser', `This browser cannot capture audio${detail}.`, { cause: error });
    default:
      return new AudioError('mic_unavailable', `The microphone could not be opened${detail || (name ? ` (${name})` : '')}.`, { cause: error });
  }
}
