// Loads the worklet module into a context: by default from a Blob URL of the source inlined in
// the bundle (so the bundle stays one file), or from `${workletUrl}/audio-processors.js` for
// hosts whose CSP forbids blob: scripts. A refused load (Chromium reports a CSP block as a bare
// AbortError) becomes `worklet_load_failed` naming both fixes. Each context has its own worklet
// scope: loads are cached per context (a WeakMap, so no context is kept alive by this module);
// a failed load is not cached, so a corrected `workletUrl` can succeed on the same context.
import { AudioError } from './errors.js';
import { audioProcessorsSource } from './worklet-sources.generated.js';

/** The module's file name in dist/worklets/. */
export const WORKLET_FILE = 'audio-processors.js';

const loads = new WeakMap<BaseAudioContext, Promise<void>>();

/** Loads the capture and player processors into `context` once. Rejects with a typed `AudioError`. */
export function loadWorklet(context: BaseAudioContext, workletUrl?: string): Promise<void> {
  let load = loads.get(context);
  if (load) return load;
  if (!context.audioWorklet) {
    return Promise.reject(new AudioError('unsupported_browser', 'This browser has no AudioWorklet (it needs a secure context: https or localhost).'));
  }
  const url = workletUrl
    ? new URL(WORKLET_FILE, new URL(workletUrl.replace(/\/*$/, '/'), location.href)).href
    : URL.createObjectURL(new Blob([audioProcessorsSource], { type: 'text/javascript' }));
  load = context.audioWorklet
    .addModule(url)
    .finally(() => {
      if (!workletUrl) URL.revokeObjectURL(url);
    })
    .catch((error: unknown) => {
      loads.delete(context);
      throw new AudioError(
        'worklet_load_failed',
        `The audio worklet could not be loaded from ${workletUrl ? url : 'a blob: URL'} (${String(error)}). ` +
          `Serve this package's dist/worklets/ from your origin and set worklet-url to it, or allow ${workletUrl ? 'that origin' : 'blob:'} in the Content-Security-Policy's script-src.`,
        { cause: error },
      );
    });
  loads.set(context, load);
  return load;
}
