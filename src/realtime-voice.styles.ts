import { css } from './element-base.js';

// Public `--realtime-voice-*` custom properties feed private `--_*` tokens (set once on :host), so
// a host override wins in light and dark alike and the rules below read one short name each;
// `--_bg0` and the like are the colour scheme's defaults. The floating column places its items with
// physical auto margins, not `align-items` (which follows the page's direction): the launcher stays
// in its corner on right-to-left pages too. The column itself lets clicks through to the page (only
// its items take them), and the panel scrolls when the viewport is short (a phone, 400 % zoom).
// Colours are chosen for WCAG AA: text on `--_bg`, `--_af` on `--_a`, `--_fg` on `--_m`. One rule
// per line, written for reading: the bundle build squeezes the whitespace out
// (scripts/minify-templates.mjs), and every other byte ships. Classes: `w` wrapper (`f` floating,
// plus the position), `l` launcher, `p` panel, `h` header, `lv` level, `st` status, `x` close, `e`
// error, `c` controls, `a` accent button, `sr` screen-reader only; `user` a message of the user.
// Under forced colours (Windows high contrast) backgrounds become the system's, so the pressed
// state and the level dot take system colours.
export const styles = css`
:host { --_bg0: #fff; --_fg0: #1f2328; --_m0: #eef1f4; --_bd0: #6e7781; --_er0: #b42318 }
@media (prefers-color-scheme: dark) { :host { --_bg0: #1c1e21; --_fg0: #eceef1; --_m0: #2c3036; --_bd0: #8b949e; --_er0: #ff8f85 } }
:host { display: block; font: 14px/1.4 var(--realtime-voice-font, system-ui, sans-serif); color: var(--_fg);
  --_a: var(--realtime-voice-accent, #1d4ed8); --_af: var(--realtime-voice-accent-foreground, #fff);
  --_bg: var(--realtime-voice-background, var(--_bg0)); --_fg: var(--realtime-voice-foreground, var(--_fg0));
  --_m: var(--realtime-voice-surface, var(--_m0)); --_bd: var(--realtime-voice-border, var(--_bd0)); --_er: var(--realtime-voice-error, var(--_er0));
  --_r: var(--realtime-voice-radius, 12px); --_o: var(--realtime-voice-offset, 20px); --_sh: var(--realtime-voice-shadow, 0 6px 24px #0003) }
:host([hidden]) { display: none }
.f { position: fixed; z-index: var(--realtime-voice-z-index, 2147483000); bottom: var(--_o); right: var(--_o); display: flex; flex-direction: column-reverse; gap: 12px; pointer-events: none }
.top-left, .top-right { top: var(--_o); bottom: auto; flex-direction: column }
.top-left, .bottom-left { left: var(--_o); right: auto }
.f>* { margin-left: auto; pointer-events: auto }
.top-left>*, .bottom-left>* { margin: 0 auto 0 0 }
.p, .h, .c, form { display: flex; gap: 8px; align-items: center }
.p { flex-direction: column; align-items: stretch; box-sizing: border-box; padding: 12px; background: var(--_bg); color: var(--_fg); border: 1px solid var(--_bd); border-radius: var(--_r) }
.p:focus { outline: none }
.f .p { width: min(var(--realtime-voice-width, 360px), calc(100vw - 2 * var(--_o))); max-height: min(var(--realtime-voice-height, 480px), calc(100vh - 100px)); overflow-y: auto; box-shadow: var(--_sh) }
.st { flex: 1; font-weight: 600 }
.c { justify-content: flex-end; flex-wrap: wrap }
button, input { font: inherit; color: inherit; min-height: 36px; padding: 0 12px; border: 1px solid var(--_bd); border-radius: calc(var(--_r) / 2); background: var(--_bg) }
button { cursor: pointer }
input { flex: 1; min-width: 0 }
:focus-visible { outline: 2px solid var(--_a); outline-offset: 2px }
.a, [aria-pressed='true'], .user { background: var(--_a); color: var(--_af); border-color: var(--_a) }
.l { position: relative; display: inline-flex; align-items: center; gap: 8px; min-height: 48px; padding: 0 18px; border-radius: 999px; box-shadow: var(--_sh) }
.l::after { content: ''; position: absolute; inset: -6px; border-radius: inherit; border: 6px solid color-mix(in srgb, var(--_a) 35%, transparent); opacity: var(--_lvl, 0); will-change: opacity; pointer-events: none }
.x { padding: 0 10px }
.lv { width: 12px; height: 12px; border-radius: 50%; background: var(--_a); transform: scale(calc(1 + var(--_lvl, 0))); will-change: transform }
:host([status='idle']) .lv, :host([status='error']) .lv { background: var(--_bd) }
ol { list-style: none; margin: 0; padding: 0; flex: 1; min-height: 48px; overflow-y: auto; display: flex; flex-direction: column; gap: 6px }
li { max-width: 85%; padding: 6px 10px; border-radius: var(--_r); background: var(--_m); white-space: pre-wrap; overflow-wrap: anywhere }
.user { align-self: flex-end }
.e { color: var(--_er) }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap }
@media (forced-colors: active) { [aria-pressed='true'], .lv { forced-color-adjust: none; background: Highlight; color: HighlightText } }
@media (prefers-reduced-motion: reduce) { .l::after { display: none } .lv { transform: none; opacity: calc(0.4 + var(--_lvl, 0) * 0.6) } }
`;
