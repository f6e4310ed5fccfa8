// Typed audio failures. The session turns an `AudioError` into the element's `rv-error` by its
// `code` (a subset of the stable codes of docs/API.md) and keeps its message.

export type AudioErrorCode = 'mic_permission_denied' | 'mic_unavailable' | 'worklet_load_failed' | 'unsupported_browser';

/** A typed audio failure with a user-presentable message; `cause` keeps the browser's error. */
export class AudioError extends Error {
  // The session recognises it by name (no instanceof across bundles).
  override readonly name = 'AudioError';

  constructor(
    readonly code: AudioErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
