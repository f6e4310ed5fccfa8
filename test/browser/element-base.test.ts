// The element's reactive base (src/element-base.ts), on a test element of its own: the LitElement
// behaviours the widget relies on — attribute ↔ property, reflection without echo, values set
// before the upgrade, one update per task with the previous values, updateComplete, styles.
import { expect } from '@open-wc/testing';
import { html } from 'lit/html.js';
import { ReactiveElement, css, type PropertyValues } from '../../src/element-base.js';

let count = 0;

/** Defines a fresh test element class (a tag per test, so upgrades can be tested). */
function defineProbe() {
  const tag = `rv-base-probe-${++count}`;
  class Probe extends ReactiveElement {
    static override styles = css`:host { display: block; color: rgb(1, 2, 3) }`;
    static override properties = {
      name: {},
      maxTurns: { attribute: 'max-turns', converter: { fromAttribute: (v: string | null) => (v === null ? 7 : Number(v)) } },
      on: { type: Boolean, reflect: true },
      data: { attribute: false },
    };
    name?: string;
    maxTurns = 7;
    on = false;
    data: unknown = null;
    renders = 0;
    log: { phase: string; changed: [PropertyKey, unknown][] }[] = [];
    protected override willUpdate(changed: PropertyValues) {
      this.log.push({ phase: 'willUpdate', changed: [...changed] });
    }
    protected override render() {
      this.renders++;
      return html`<p>${this.name ?? '-'}:${this.maxTurns}:${this.on}</p>`;
    }
    protected override updated(changed: PropertyValues) {
      this.log.push({ phase: 'updated', changed: [...changed] });
    }
  }
  customElements.define(tag, Probe);
  return { tag, Probe };
}

type Probe = InstanceType<ReturnType<typeof defineProbe>['Probe']>;

/** A probe of a fresh class, connected and past its first update. */
async function mountedProbe(): Promise<Probe> {
  const el = document.createElement(defineProbe().tag) as Probe;
  document.body.append(el);
  await el.updateComplete;
  return el;
}

const text = (el: HTMLElement) => el.shadowRoot!.querySelector('p')?.textContent;

describe('element base', () => {
  it('observes declared attributes only, under their names', () => {
    const { Probe } = defineProbe();
    expect((Probe as unknown as { observedAttributes: string[] }).observedAttributes).to.deep.equal(['name', 'max-turns', 'on']);
  });

  it('turns attributes into properties (converter, Boolean, plain string) and renders them', async () => {
    const { tag } = defineProbe();
    const host = document.createElement('div');
    host.innerHTML = `<${tag} name="ada" max-turns="3" on></${tag}>`;
    document.body.append(host);
    const el = host.firstElementChild as InstanceType<ReturnType<typeof defineProbe>['Probe']>;
    await el.updateComplete;
    expect([el.name, el.maxTurns, el.on]).to.deep.equal(['ada', 3, true]);
    expect(text(el)).to.equal('ada:3:true');
    el.removeAttribute('max-turns');
    el.removeAttribute('on');
    await el.updateComplete;
    expect([el.maxTurns, el.on]).to.deep.equal([7, false]);
    expect(text(el)).to.equal('ada:7:false');
    host.remove();
  });

  it('reflects a changed property to its attribute, and never echoes an attribute back', async () => {
    const { tag } = defineProbe();
    const el = document.createElement(tag) as HTMLElement & { on: boolean };
    document.body.append(el);
    el.on = true;
    expect(el.hasAttribute('on')).to.equal(false); // not before the update
    await (el as unknown as ReactiveElement).updateComplete;
    expect(el.getAttribute('on')).to.equal('');
    el.on = false;
    await (el as unknown as ReactiveElement).updateComplete;
    expect(el.hasAttribute('on')).to.equal(false);
    // Set by its attribute: the property follows, the attribute's text stays as the page wrote it.
    el.setAttribute('on', 'yes');
    await (el as unknown as ReactiveElement).updateComplete;
    expect(el.on).to.equal(true);
    expect(el.getAttribute('on')).to.equal('yes');
    el.remove();
  });

  it('keeps values set on the element before it was upgraded', async () => {
    const tag = `rv-base-probe-${count + 1}`;
    const el = document.createElement(tag) as HTMLElement & { data: unknown; maxTurns: number };
    const data = { tools: 1 };
    el.data = data;
    el.maxTurns = 12;
    document.body.append(el);
    defineProbe();
    const probe = el as unknown as InstanceType<ReturnType<typeof defineProbe>['Probe']>;
    await probe.updateComplete;
    expect(probe.data).to.equal(data);
    expect(probe.maxTurns).to.equal(12);
    expect(Object.hasOwn(el, 'data')).to.equal(false); // the accessor is in charge again
    expect(text(el)).to.equal('-:12:false');
    el.remove();
  });

  it('batches the changes of a task into one update, with each property’s first previous value', async () => {
    const el = await mountedProbe();
    const before = el.renders;
    el.log = [];
    el.name = 'a';
    el.name = 'b';
    el.maxTurns = 9;
    el.maxTurns = 9; // unchanged: no record
    expect(el.isUpdatePending).to.equal(true);
    expect(await el.updateComplete).to.equal(true);
    expect(el.isUpdatePending).to.equal(false);
    expect(el.renders).to.equal(before + 1);
    expect(el.log).to.deep.equal([
      { phase: 'willUpdate', changed: [['name', undefined], ['maxTurns', 7]] },
      { phase: 'updated', changed: [['name', undefined], ['maxTurns', 7]] },
    ]);
    expect(text(el)).to.equal('b:9:false');
    el.remove();
  });

  it('has rendered by the time a test that awaited an event of the same task resumes (as Lit)', async () => {
    const el = await mountedProbe();
    const seen = new Promise((resolve) => el.addEventListener('probe-changed', resolve, { once: true }));
    el.name = 'now';
    el.dispatchEvent(new Event('probe-changed'));
    await seen;
    expect(text(el)).to.equal('now:7:false');
    el.remove();
  });

  it('a change made while rendering is not lost: it schedules the next update', async () => {
    const el = await mountedProbe();
    const render = Object.getPrototypeOf(el).render;
    (el as unknown as { render: () => unknown }).render = function (this: typeof el) {
      const result = render.call(this);
      if (this.maxTurns === 1) this.maxTurns = 2; // after this render took its values
      return result;
    };
    el.maxTurns = 1;
    await el.updateComplete;
    await el.updateComplete;
    expect(el.maxTurns).to.equal(2);
    expect(text(el)).to.equal('-:2:false');
    el.remove();
  });

  it('does not update before the first connection', async () => {
    const { tag } = defineProbe();
    const el = document.createElement(tag) as InstanceType<ReturnType<typeof defineProbe>['Probe']>;
    el.name = 'x';
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(el.renders).to.equal(0);
    document.body.append(el);
    await el.updateComplete;
    expect(el.renders).to.equal(1);
    expect(text(el)).to.equal('x:7:false');
    el.remove();
  });

  it('recovers from an update that throws', async () => {
    const el = await mountedProbe();
    const render = Object.getPrototypeOf(el).render;
    (el as unknown as { render: () => unknown }).render = () => {
      throw new Error('boom');
    };
    el.name = 'bad';
    const failed = await el.updateComplete.then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    expect(failed).to.equal('boom');
    expect(el.isUpdatePending).to.equal(false);
    (el as unknown as { render: () => unknown }).render = render;
    el.name = 'good';
    await el.updateComplete;
    expect(text(el)).to.equal('good:7:false');
    el.remove();
  });

  it('adopts its styles into an open shadow root', async () => {
    const el = await mountedProbe();
    expect(el.shadowRoot).to.equal(el.renderRoot);
    expect(el.shadowRoot!.adoptedStyleSheets).to.have.length(1);
    expect(getComputedStyle(el).color).to.equal('rgb(1, 2, 3)');
    el.remove();
  });
});
