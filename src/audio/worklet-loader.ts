// Loads the worklet module into a context: by default from a Blob URL of the source inlined in
// the bundle (so the bundle stays one file), or from `${workletUrl}/audio-processors.js` for
// hosts whose CSP forbids blob: scripts. A refused load (Chromium reports a CSP block as a bare
// AbortError) becomes `worklet_load_failed` naming both fixes. Each context has its own worklet
// scope; the engine loads once per context, and a failed load can be retried with a corrected
// `workletUrl` on the same context.
import { AudioError } from './errors.js';
import { audioProcessorsSource } from './worklet-sources.generated.js';

/** Loads the capture and player processors into `context`. Rejects with `worklet_load_failed`. */
export function loadWorklet(context: BaseAudioContext, workletUrl?: string): Promise<void> {
  const url = workletUrl
    ? new URL(workletUrl.replace(/\/*$/, '/audio-processors.js'), document.baseURI).href
    : URL.createObjectURL(new Blob([audioProcessorsSource], { type: 'text/javascript' }));
  return context.audioWorklet
    .addModule(url)
    .finally(() => URL.revokeObjectURL(url)) // a no-op for a URL that is not a blob: one
    .catch((error: unknown) => {
      throw new AudioError(
        'worklet_load_failed',
        `Audio worklet not loaded from ${workletUrl ? url : 'blob:'} (${error}). Set worklet-url to where dist/worklets/ is served, or allow blob: in the CSP script-src.`,
        { cause: error },
      );
    });
}
