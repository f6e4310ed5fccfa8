// The part of LitElement this widget uses, on Lit's own renderer: declared properties with their
// attributes, converters and reflection; one update per task, after the element is first
// connected (willUpdate → reflect → render → updated); `updateComplete`; and adopted styles.
// LitElement's generality — controllers, decorators, declarations inherited and merged across
// classes, SSR and polyfill hooks — cost ≈1.7 KB gzip (net of this file) of the script-tag
// bundle's 20 KB budget, and this one element uses none of it. Names and order follow Lit's, so the element reads as a
// LitElement does and `cem analyze --litelement` still documents its `static properties`.
import { render } from 'lit/html.js';

/** Turns an attribute's value (`null` when removed) into the property's value; `old` is the current one. */
export interface AttributeConverter<T = unknown> {
  fromAttribute(value: string | null, old?: unknown): T;
}

/** How a declared property meets its attribute: the subset of Lit's declaration used here. */
export interface PropertyDeclaration {
  /** The attribute's name, or `false` for none; by default (or `true`) the property's name in lower case. */
  attribute?: string | boolean;
  /** `Boolean`: the attribute's presence is the value. */
  type?: BooleanConstructor;
  /** Reads the attribute otherwise than as its plain string. */
  converter?: AttributeConverter;
  /** Writes the value back to the attribute in each update. */
  reflect?: boolean;
}

/** The properties changed since the last update, each with its previous value. */
export type PropertyValues = Map<PropertyKey, unknown>;

/** Marks the stylesheet as CSS (for editors and the bundle's template minifier); it is a string. */
export const css = String.raw;

const attributeName = (name: string, { attribute }: PropertyDeclaration) => (typeof attribute === 'string' ? attribute : name.toLowerCase());

/** Per class, made when it is defined: attribute → property, and the shared stylesheet. */
interface Finalized {
  attributes: Map<string, string>;
  sheet?: CSSStyleSheet;
}

export class ReactiveElement extends HTMLElement {
  /** The declared properties, by name. */
  static properties: Record<string, PropertyDeclaration> = {};
  /** The shadow root's CSS. */
  static styles = '';

  static #finalized = new WeakMap<typeof ReactiveElement, Finalized>();

  /** The browser reads this once, when the class is defined: the moment to finalize it. */
  static get observedAttributes(): string[] {
    return [...ReactiveElement.#finalize(this).attributes.keys()];
  }

  /** Accessors on the prototype for every declared property, the attribute map, the stylesheet. */
  static #finalize(ctor: typeof ReactiveElement): Finalized {
    let done = ReactiveElement.#finalized.get(ctor);
    if (done) return done;
    done = { attributes: new Map() };
    for (const [name, declaration] of Object.entries(ctor.properties)) {
      if (declaration.attribute !== false) done.attributes.set(attributeName(name, declaration), name);
      Object.defineProperty(ctor.prototype, name, {
        get(this: ReactiveElement) {
          return this.#values.get(name);
        },
        set(this: ReactiveElement, value: unknown) {
          const old = this.#values.get(name);
          if (Object.is(old, value)) return;
          this.#values.set(name, value);
          this.requestUpdate(name, old);
        },
        configurable: true,
      });
    }
    if ('adoptedStyleSheets' in ShadowRoot.prototype) {
      done.sheet = new CSSStyleSheet();
      done.sheet.replaceSync(ctor.styles);
    }
    ReactiveElement.#finalized.set(ctor, done);
    return done;
  }

  /** Where `render()`'s result goes: an open shadow root. @internal */
  readonly renderRoot: ShadowRoot = this.attachShadow({ mode: 'open' });
  /** Whether an update is scheduled and has not run yet. @internal */
  isUpdatePending = false;

  #values = new Map<string, unknown>();
  #changed: PropertyValues = new Map();
  /** Reflected properties changed by code (not by their attribute) since the last update. */
  #toReflect = new Set<string>();
  /** Properties set before the element was upgraded: own values that would hide the accessors. */
  #early = new Map<string, unknown>();
  /** The property being set from its attribute, or written to it: never echoed back. */
  #syncing?: string;
  #firstConnected!: () => void;
  /** The latest update; before the first connection, that connection. */
  #update: Promise<unknown> = new Promise<void>((resolve) => (this.#firstConnected = resolve));

  constructor() {
    super();
    const ctor = this.#ctor;
    for (const name of Object.keys(ctor.properties)) {
      if (Object.hasOwn(this, name)) {
        this.#early.set(name, this[name as keyof this]);
        delete this[name as keyof this];
      }
    }
    const { sheet } = ReactiveElement.#finalize(ctor);
    if (sheet) this.renderRoot.adoptedStyleSheets = [sheet];
    else this.renderRoot.append(Object.assign(document.createElement('style'), { textContent: ctor.styles }));
    this.requestUpdate();
  }

  get #ctor(): typeof ReactiveElement {
    return this.constructor as typeof ReactiveElement;
  }

  /** Resolves once the pending update has rendered: to `true` unless another one is pending. @internal */
  get updateComplete(): Promise<boolean> {
    return this.#update.then(() => !this.isUpdatePending);
  }

  /** Schedules an update (one per task); with `name`, records that property's previous value. */
  requestUpdate(name?: string, oldValue?: unknown): void {
    if (name !== undefined) {
      if (!this.#changed.has(name)) this.#changed.set(name, oldValue);
      if (this.#ctor.properties[name]?.reflect && name !== this.#syncing) this.#toReflect.add(name);
    }
    if (this.isUpdatePending) return;
    this.isUpdatePending = true;
    this.#update = this.#performUpdate(this.#update);
  }

  async #performUpdate(previous: Promise<unknown>): Promise<void> {
    // One microtask after the request, as in Lit (tests await an event, then read the DOM).
    try {
      await previous;
    } catch {
      // A failed update has been reported through its own `updateComplete`: go on.
    }
    const changed = this.#changed;
    try {
      for (const [name, value] of this.#early) (this as Record<string, unknown>)[name] = value;
      this.#early.clear();
      this.willUpdate(changed);
      for (const name of this.#toReflect) this.#reflect(name);
    } finally {
      // Before rendering, as in Lit: a change made while rendering schedules the next update.
      this.#changed = new Map();
      this.#toReflect.clear();
      this.isUpdatePending = false;
    }
    render(this.render(), this.renderRoot, { host: this });
    this.updated(changed);
  }

  #reflect(name: string): void {
    const value = (this as Record<string, unknown>)[name];
    const attribute = attributeName(name, this.#ctor.properties[name]!);
    this.#syncing = name;
    if (value == null || value === false) this.removeAttribute(attribute);
    else this.setAttribute(attribute, value === true ? '' : String(value));
    this.#syncing = undefined;
  }

  attributeChangedCallback(attribute: string, _old: string | null, value: string | null): void {
    const ctor = this.#ctor;
    const name = ReactiveElement.#finalize(ctor).attributes.get(attribute);
    if (name === undefined || name === this.#syncing) return;
    const { type, converter } = ctor.properties[name]!;
    this.#syncing = name;
    (this as Record<string, unknown>)[name] = converter ? converter.fromAttribute(value, this[name as keyof this]) : type === Boolean ? value !== null : value;
    this.#syncing = undefined;
  }

  connectedCallback(): void {
    this.#firstConnected();
  }

  disconnectedCallback(): void {}

  /** Before each render: derive state from the changed properties. */
  protected willUpdate(_changed: PropertyValues): void {}

  /** The shadow root's content, as a Lit template. */
  protected render(): unknown {
    return undefined;
  }

  /** After each render. */
  protected updated(_changed: PropertyValues): void {}
}
