// The build's template squeezer (scripts/minify-templates.mjs): it may drop layout whitespace
// only, never a space that separates values, attributes or bindings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAst } from 'rollup/parseAst';
import { minifyTemplates, squeezeCss, squeezeHtml, unquoteAttributes } from '../../scripts/minify-templates.mjs';

test('CSS: layout whitespace goes, value and selector spaces stay', () => {
  const css = `
:host { --_a: var(--x, #fff); font: 14px/1.4 var(--f, system-ui, sans-serif) }
.f .p { width: min(var(--w, 360px), calc(100vw - 2 * var(--_o))); }
@media (prefers-reduced-motion: reduce) { .l::after { display: none } }
`;
  assert.equal(
    squeezeCss(css),
    ':host{--_a:var(--x,#fff);font:14px/1.4 var(--f,system-ui,sans-serif)}' +
      '.f .p{width:min(var(--w,360px),calc(100vw - 2 * var(--_o)))}' +
      '@media (prefers-reduced-motion:reduce){.l::after{display:none}}',
  );
});

test('CSS: quoted strings keep their spaces', () => {
  assert.equal(squeezeCss(".a::before { content: 'a, b: c;  d' ; }\n.b { font-family: \"My Font\", serif }"), ".a::before{content:'a, b: c;  d' }.b{font-family:\"My Font\",serif}");
});

test('HTML: a newline between attributes stays a separator; space between tags and at binding edges goes', () => {
  // Chunks of `<button a=${x}\n  @click=${y}>${z}</button>\n  <p>…</p>` as Lit sees them.
  assert.equal(squeezeHtml('<button a=', true, false), '<button a=');
  assert.equal(squeezeHtml('\n      @click=', false, false), ' @click=');
  assert.equal(squeezeHtml('>', false, false), '>');
  assert.equal(squeezeHtml('</button>\n    <p>x y</p>\n  ', false, true), '</button><p>x y</p> ');
  assert.equal(squeezeHtml('<div>\n  ', true, false), '<div>');
  assert.equal(squeezeHtml('\n  </div>', false, true), '</div>');
  // Between two bindings a space is text (a message and its retry button): it stays.
  assert.equal(squeezeHtml(' ', false, false), ' ');
});

test('the plugin rewrites only html/css tagged templates, leaving other strings and expressions alone', () => {
  const code = 'const a = html`<ol>\n  ${items.map((i) => html`<li>\n  ${i}</li>`)}\n</ol>`;\nconst b = css `\n.x { a: b }\n`;\nconst c = `keep\n   this`;';
  const out = minifyTemplates().transform.call({ parse: parseAst }, code, '/repo/src/x.ts');
  assert.equal(out?.code, 'const a = html`<ol>${items.map((i) => html`<li>${i}</li>`)}</ol>`;\nconst b = css `.x{a:b}`;\nconst c = `keep\n   this`;');
  assert.equal(minifyTemplates().transform.call({ parse: parseAst }, code, '/repo/test/x.ts'), null);
  const quoted = 'const q = html`<p class="x" title="a b" id=${i} role="note">say="hi"</p>`;';
  assert.equal(minifyTemplates().transform.call({ parse: parseAst }, quoted, '/repo/src/x.ts')?.code, 'const q = html`<p class=x title="a b" id=${i} role=note>say="hi"</p>`;');
});

test('CSS: an attribute selector loses the quotes of an identifier value only', () => {
  assert.equal(
    squeezeCss(":host([status='idle']) .lv, [aria-pressed=\"true\"] { content: 'x' }\n[title='a b'], [lang='1x'] { content: '[a=' }"),
    ":host([status=idle]) .lv,[aria-pressed=true]{content:'x'}[title='a b'],[lang='1x']{content:'[a='}",
  );
});

test('HTML: a static attribute value loses needless quotes inside a tag only, across bindings', () => {
  // `<li part="a b" class="x" lang=${l}><b title="t">say="hi"</b><i id="${k}" hidden="h"/>${v} id="t"</li>`
  assert.deepEqual(
    unquoteAttributes(['<li part="a b" class="x" lang=', '><b title="t">say="hi"</b><i id="', '" hidden="h"/>', ' id="t"</li>']),
    ['<li part="a b" class=x lang=', '><b title=t>say="hi"</b><i id="', '" hidden="h"/>', ' id="t"</li>'],
  );
  // A tag left open by a binding: its later static attributes are still in the tag.
  assert.deepEqual(unquoteAttributes(['<input aria-label=', ' autocomplete="off" enterkeyhint="send" />']), ['<input aria-label=', ' autocomplete=off enterkeyhint=send />']);
});
