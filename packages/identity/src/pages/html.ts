/**
 * Markup that is already safe to place in a page. Only `html` and `raw` make
 * one, so a plain string can never reach a page unescaped by accident.
 */
export class SafeHtml {
  readonly #html: string;

  constructor(html: string) {
    this.#html = html;
  }

  toString(): string {
    return this.#html;
  }
}

/** What may be interpolated: text is escaped; `null`, `undefined` and `false` render nothing (for `cond && …`). */
export type HtmlValue = string | number | SafeHtml | null | undefined | false | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

/**
 * Tagged template: the literal parts are trusted markup, every interpolated
 * value is escaped unless it is itself `SafeHtml`. Attribute values in the
 * literal parts must be double-quoted for the escaping to hold.
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** Marks a trusted fragment as markup. Never pass it anything that came from a request. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
