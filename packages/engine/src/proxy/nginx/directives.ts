/**
 * nginx config as data: a small directive tree and the one function that turns it into text.
 * `nginx -t` checks syntax only (a server_name of `x.test; } server { …` validates fine), so the
 * text must never carry anything but what the tree says: every argument is either a literal,
 * quoted and escaped here, or a template the renderer itself wrote (one that names nginx
 * variables). Anything a quote cannot hold safely is refused, not escaped.
 */

import { BerthError } from '@berth/protocol';

/** An argument that may name nginx variables (`$host`): only the renderer's own constants. */
export interface Template {
  template: string;
}

export type Arg = string | number | Template;

export interface Directive {
  /** Empty for a `map` or `geo` entry, whose first word is a key, not a directive. */
  name: string;
  args: readonly Arg[];
  /** Present for block directives (`server { … }`), even when empty. */
  block?: readonly Directive[];
}

export const d = (name: string, ...args: Arg[]): Directive => ({ name, args });
export const block = (name: string, args: readonly Arg[], body: readonly Directive[]): Directive => ({
  name,
  args,
  block: body,
});
export const tpl = (template: string): Template => ({ template });
/** A `map`/`geo` entry: `key value;`. */
export const entry = (key: Arg, value: Arg): Directive => ({ name: '', args: [key, value] });

const NAME = /^[a-z][a-z0-9_]*$/;
/** Printable ASCII and newlines; `$` is refused in literals because nginx has no escape for it. */
const LITERAL = /^[\x20-\x7e\n]*$/;
/** Arguments that need no quotes: nothing nginx reads as syntax. */
const BARE = /^[A-Za-z0-9._:/=@*~^+,\-[\]()!]+$/;
const BARE_TEMPLATE = /^[A-Za-z0-9._:/=@*~^+,\-[\]()!$]+$/;

function refuse(what: string, value: unknown): never {
  throw new BerthError('INTERNAL', `The nginx config cannot hold ${what} ${JSON.stringify(value)}`);
}

/** A double-quoted string: nginx unescapes `\"`, `\\` and `\n` inside one. */
const quote = (s: string): string =>
  `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

export function renderArg(arg: Arg): string {
  if (typeof arg === 'number') {
    if (!Number.isSafeInteger(arg) || arg < 0) refuse('the number', arg);
    return String(arg);
  }
  if (typeof arg === 'string') {
    if (!LITERAL.test(arg) || arg.includes('$')) refuse('the value', arg);
    return BARE.test(arg) ? arg : quote(arg);
  }
  // A template's `$name` must be a variable reference, never `${` or a lone `$`.
  if (!LITERAL.test(arg.template) || /\$(?![a-z_][a-z0-9_]*)/.test(arg.template))
    refuse('the template', arg.template);
  return BARE_TEMPLATE.test(arg.template) ? arg.template : quote(arg.template);
}

function renderDirective(dir: Directive, indent: string, out: string[]): void {
  const entry = dir.name === '' && dir.block === undefined && dir.args.length === 2;
  if (!entry && !NAME.test(dir.name)) refuse('the directive', dir.name);
  const args = dir.args.map(renderArg);
  const head = (entry ? args : [dir.name, ...args]).join(' ');
  if (dir.block === undefined) {
    out.push(`${indent}${head};`);
    return;
  }
  out.push(`${indent}${head} {`);
  for (const child of dir.block) renderDirective(child, `${indent}  `, out);
  out.push(`${indent}}`);
}

/** The tree as nginx.conf text; throws (before anything is written) on any value it cannot hold. */
export function renderDirectives(tree: readonly Directive[]): string {
  const out: string[] = [];
  for (const dir of tree) renderDirective(dir, '', out);
  return `${out.join('\n')}\n`;
}
