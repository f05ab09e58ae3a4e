/*
 * RFC 9535 normalized paths: `$['store']['book'][0]`. One spelling per
 * location, so findings can be compared and looked up; names are quoted
 * with `'` and escaped as the RFC prescribes.
 */

const ESCAPES: Readonly<Record<string, string>> = {
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  "'": "\\'",
  '\\': '\\\\',
};

function escapeName(name: string): string {
  let out = '';
  for (const char of name) {
    const code = char.charCodeAt(0);
    out += ESCAPES[char] ?? (code < 0x20 ? `\\u${code.toString(16).padStart(4, '0')}` : char);
  }
  return out;
}

export const ROOT = '$';

export function childPath(parent: string, key: string | number): string {
  return typeof key === 'number' ? `${parent}[${key}]` : `${parent}['${escapeName(key)}']`;
}
