// A rollup plugin for the two script-tag bundles: squeezes the whitespace out of Lit's `html` and
// `css` tagged templates, which terser leaves as written (indentation, one CSS rule per line).
// Rules stay conservative: only layout whitespace goes; a space that separates words, attributes,
// values or template expressions is kept as one space. Beyond whitespace, only the quotes of an
// attribute value that needs none (HTML attributes, CSS attribute selectors) go: the source keeps
// them for reading, and they are ~25 B of the gzip. Run after TypeScript, before terser.

/**
 * CSS: no newlines or indentation; no spaces after `:`/`;`/`,`, around braces, or before `}`.
 * Quoted strings (`content: 'a, b'`) are left as written, but for an attribute selector's value
 * that is an identifier, which loses its quotes.
 */
export const squeezeCss = (/** @type {string} */ text) =>
  text
    .split(/("[^"]*"|'[^']*')/)
    .map((part, i, parts) =>
      i % 2
        ? /\[[\w-]+=$/.test(parts[i - 1] ?? '') && parts[i + 1]?.startsWith(']') && /^.[a-zA-Z_][\w-]*.$/.test(part)
          ? part.slice(1, -1)
          : part
        : part
            .replace(/\s*\n\s*/g, ' ')
            .replace(/\s*([{}])\s*/g, '$1')
            .replace(/([:;,])\s+/g, '$1')
            .replace(/;}/g, '}'),
    )
    .join('')
    .trim();

/**
 * HTML: a run of whitespace with a newline becomes one space (it may separate attributes, or an
 * attribute from a binding); between two tags, or between a tag and a binding at a chunk's edge,
 * it goes (the widget's containers are flex boxes, where such text renders nothing).
 * @param {string} text a template chunk
 * @param {boolean} first the chunk before the first binding
 * @param {boolean} last the chunk after the last binding
 */
export const squeezeHtml = (text, first, last) => {
  let out = text.replace(/\s*\n\s*/g, ' ').replace(/>\s+</g, '><');
  if (!last) out = out.replace(/>\s+$/, '>');
  if (!first) out = out.replace(/^\s+</, '<');
  return out;
};

/**
 * HTML: drops the quotes of a static attribute value that needs none (`part="talk-button"` →
 * `part=talk-button`). Only inside a tag, so text that looks like an attribute is left alone;
 * the tag and quote state carries across the chunks of one template (a binding may sit inside
 * a tag or a quoted value). A value that ends a chunk, or is followed by `/`, keeps its quotes.
 * @param {string[]} chunks a template's chunks, already squeezed
 * @returns {string[]}
 */
export const unquoteAttributes = (chunks) => {
  /** @type {'text' | 'tag' | '"' | "'"} */
  let state = 'text';
  return chunks.map((chunk) => {
    let out = '';
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (state === 'text') {
        if (c === '<' && /[a-zA-Z]/.test(chunk[i + 1] ?? '')) state = 'tag';
      } else if (state === 'tag') {
        const plain = c === '=' && /^="([\w-]+)"(?=[\s>])/.exec(chunk.slice(i));
        if (plain) {
          out += `=${plain[1]}`;
          i += plain[0].length - 1;
          continue;
        }
        if (c === '"' || c === "'") state = c;
        else if (c === '>') state = 'text';
      } else if (c === state) state = 'tag';
      out += c;
    }
    return out;
  });
};

/** @typedef {{type: string, start: number, end: number, [key: string]: any}} Node */

/**
 * Every node of an ESTree AST, depth first.
 * @param {Node} node
 * @returns {Generator<Node>}
 */
function* nodes(node) {
  if (!node || typeof node.type !== 'string') return;
  yield node;
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) for (const child of value) yield* nodes(child);
    else if (value && typeof value === 'object') yield* nodes(value);
  }
}

/**
 * @param {{include?: RegExp}} [options] which modules (default: the TypeScript sources in src/)
 * @returns {{name: string, transform(this: {parse(code: string): any}, code: string, id: string): {code: string, map: null} | null}}
 */
export function minifyTemplates({ include = /\/src\/.*\.ts$/ } = {}) {
  return {
    name: 'minify-templates',
    transform(code, id) {
      if (!include.test(id) || !/\b(html|css)\s*`/.test(code)) return null;
      /** @type {[number, number, string][]} */
      const edits = [];
      for (const node of nodes(this.parse(code))) {
        if (node.type !== 'TaggedTemplateExpression' || node.tag.type !== 'Identifier') continue;
        const squeeze = node.tag.name === 'css' ? squeezeCss : node.tag.name === 'html' ? squeezeHtml : null;
        if (!squeeze) continue;
        /** @type {Node[]} */
        const quasis = node.quasi.quasis;
        const raws = quasis.map((q) => code.slice(q.start, q.end));
        let nexts = raws.map((raw, i) => squeeze(raw, i === 0, i === quasis.length - 1));
        if (squeeze === squeezeHtml) nexts = unquoteAttributes(nexts);
        quasis.forEach((q, i) => {
          if (nexts[i] !== raws[i]) edits.push([q.start, q.end, /** @type {string} */ (nexts[i])]);
        });
      }
      if (!edits.length) return null;
      let out = code;
      for (const [start, end, text] of edits.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + text + out.slice(end);
      return { code: out, map: null };
    },
  };
}
