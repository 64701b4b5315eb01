import { pyFormat, pyStr } from './pyformat/index.js';

/** One piece of a compiled template: literal text, a positional field or a keyword field. */
export type Segment = string | { readonly index: number } | { readonly name: string };

const MAX_CACHED = 512;
const cache = new Map<string, readonly Segment[] | null>();
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Formats a log message as `pyFormat` does, faster for the common templates.
 * Templates made only of literal text, `{}`, `{0}`, `{name}` and `{{`/`}}`
 * are compiled once and cached (up to 512 of them); every other template, and
 * any field whose argument is missing, goes through `pyFormat`, which gives
 * Python's exact result or error.
 */
export function formatMessage(
  template: string,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
): string {
  const compiled = compiledTemplate(template);
  if (compiled === null) return pyFormat(template, args, kwargs);
  let out = '';
  for (const segment of compiled) {
    if (typeof segment === 'string') {
      out += segment;
    } else if ('index' in segment) {
      if (segment.index >= args.length) return pyFormat(template, args, kwargs);
      out += pyStr(args[segment.index]);
    } else {
      if (!Object.hasOwn(kwargs, segment.name)) return pyFormat(template, args, kwargs);
      out += pyStr(kwargs[segment.name]);
    }
  }
  return out;
}

/** The compiled form of a simple template (cached), or null for a template that only `pyFormat` handles. */
export function compiledTemplate(template: string): readonly Segment[] | null {
  let compiled = cache.get(template);
  if (compiled === undefined) {
    compiled = compile(template);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(template, compiled);
  }
  return compiled;
}

/** Compiles a simple template, or returns null for anything `pyFormat` must handle. */
function compile(template: string): readonly Segment[] | null {
  const segments: Segment[] = [];
  let literal = '';
  let auto = 0;
  let numbering: 'auto' | 'manual' | null = null;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (ch === '}') {
      if (template[i + 1] !== '}') return null;
      literal += '}';
      i++;
      continue;
    }
    if (ch !== '{') {
      literal += ch;
      continue;
    }
    if (template[i + 1] === '{') {
      literal += '{';
      i++;
      continue;
    }
    const close = template.indexOf('}', i + 1);
    if (close < 0) return null;
    const field = template.slice(i + 1, close);
    if (literal) segments.push(literal);
    literal = '';
    if (field === '') {
      if (numbering === 'manual') return null;
      numbering = 'auto';
      segments.push({ index: auto++ });
    } else if (/^\d+$/.test(field) && field.length < 10) {
      if (numbering === 'auto') return null;
      numbering = 'manual';
      segments.push({ index: Number(field) });
    } else if (NAME_RE.test(field)) {
      segments.push({ name: field });
    } else {
      return null;
    }
    i = close;
  }
  if (literal) segments.push(literal);
  return segments;
}
