// Loads the worklets into a context: by default from a Blob URL of the source inlined in the
// bundle (so the bundle stays one file), or from `${workletUrl}/<name>.js` for hosts whose CSP
// forbids blob: scripts. A refused load (Chrome reports a CSP block as a bare AbortError)
// becomes `worklet_load_failed` with a message that names the fix.
//
// Each context has its own worklet scope, so loads are cached per context (a WeakMap keyed by
// the context: two widgets on a page never share or leak a context through this module).
import { AudioError } from './errors.js';
import { captureProcessorSource, playerProcessorSource } from './worklet-sources.generated.js';

/** The worklets this package ships (file names in dist/worklets/ without `.js`). */
export type WorkletName = 'capture-processor' | 'player-processor';

const SOURCES: Readonly<Record<WorkletName, string>> = {
  'capture-processor': captureProcessorSource,
  'player-processor': playerProcessorSource,
};

const loads = new WeakMap<BaseAudioContext, Map<string, Promise<void>>>();

/** The URL a worklet is loaded from when `workletUrl` is set (resolved against the page). */
export function workletFileUrl(workletUrl: string, name: WorkletName): string {
  const base = workletUrl.endsWith('/') ? workletUrl : `${workletUrl}/`;
  return new URL(`${name}.js`, new URL(base, globalThis.location?.href)).href;
}

/**
 * Loads worklet `name` into `context` once (later calls share the first load). Rejects with
 * `AudioError('worklet_load_failed')`, or `'unsupported_browser'` without AudioWorklet.
 */
export function loadWorklet(context: BaseAudioContext, name: WorkletName, workletUrl?: string): Promise<void> {
  const key = workletUrl ? workletFileUrl(workletUrl, name) : `inline:${name}`;
  return cached(context, key, () => (workletUrl ? addFromUrl(context, key, name) : addFromSource(context, SOURCES[name], name)));
}

/**
 * Loads arbitrary worklet source into `context` through a Blob URL (cached by `key`): what the
 * inlined worklets use, exported for tests and tools that bring their own processor.
 */
export function loadWorkletSource(context: BaseAudioContext, key: string, source: string): Promise<void> {
  return cached(context, `source:${key}`, () => addFromSource(context, source, key));
}

function cached(context: BaseAudioContext, key: string, load: () => Promise<void>): Promise<void> {
  let perContext = loads.get(context);
  if (!perContext) loads.set(context, (perContext = new Map()));
  let promise = perContext.get(key);
  if (!promise) {
    promise = load();
    perContext.set(key, promise);
    // A failed load may succeed later (e.g. after the host fixed worklet-url): do not cache it.
    promise.catch(() => perContext.delete(key));
  }
  return promise;
}

function audioWorkletOf(context: BaseAudioContext): AudioWorklet {
  const worklet = (context as { audioWorklet?: AudioWorklet }).audioWorklet;
  if (!worklet) {
    throw new AudioError('unsupported_browser', 'This browser has no AudioWorklet (it needs a secure context: https or localhost).');
  }
  return worklet;
}

async function addFromSource(context: BaseAudioContext, source: string, name: string): Promise<void> {
  const worklet = audioWorkletOf(context);
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  try {
    await worklet.addModule(url);
  } catch (error) {
    throw new AudioError(
      'worklet_load_failed',
      `The audio worklet "${name}" could not be loaded from a blob: URL (${describe(error)}). ` +
        `A Content-Security-Policy probably forbids blob: scripts: set the worklet-url attribute to ` +
        `where this package's dist/worklets/ files are served from your origin, or allow blob: in script-src.`,
      { cause: error },
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function addFromUrl(context: BaseAudioContext, url: string, name: string): Promise<void> {
  const worklet = audioWorkletOf(context);
  try {
    await worklet.addModule(url);
  } catch (error) {
    throw new AudioError(
      'worklet_load_failed',
      `The audio worklet "${name}" could not be loaded from ${url} (${describe(error)}). ` +
        `Check that worklet-url points to where this package's dist/worklets/ files are served ` +
        `and that the page's Content-Security-Policy (script-src) allows that origin.`,
      { cause: error },
    );
  }
}

function describe(error: unknown): string {
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error)) {
    const e = error as { name?: string; message?: string };
    return e.message ? `${e.name ?? 'Error'}: ${e.message}` : (e.name ?? 'Error');
  }
  return String(error);
}
