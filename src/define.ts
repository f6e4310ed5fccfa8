/**
 * Defines a custom element unless the tag is already taken. A page that loads the script twice,
 * or two versions of it, keeps the first definition and gets one console warning instead of a throw.
 * Each copy names its version with the class's static `version`.
 */
export function defineOnce(tag: string, ctor: CustomElementConstructor & { version: string }): void {
  const existing = customElements.get(tag) as { version?: string } | undefined;
  if (!existing) {
    customElements.define(tag, ctor);
  } else if (existing !== ctor) {
    console.warn(`[realtime-voice] <${tag}> is already defined (version ${existing.version ?? 'unknown'}); this copy (${ctor.version}) steps aside.`);
  }
}
