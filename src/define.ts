/**
 * Defines a custom element unless the tag is already taken. A page that loads the script twice,
 * or two versions of it, keeps the first definition and gets one console warning instead of a throw.
 */
export function defineOnce(tag: string, ctor: CustomElementConstructor, version: string): void {
  const existing = customElements.get(tag);
  if (!existing) {
    customElements.define(tag, ctor);
    return;
  }
  if (existing !== ctor) {
    const other = (existing as unknown as { version?: string }).version ?? 'unknown';
    console.warn(`[realtime-voice] <${tag}> is already defined (version ${other}); this copy (${version}) steps aside.`);
  }
}
