import { describe, expect, it } from 'vitest';
import { html, raw } from '../src/pages/index.ts';

describe('html', () => {
  it('escapes every interpolated value', () => {
    const hostile = `<script>alert("x")</script> & 'y'`;
    expect(html`<p>${hostile}</p>`.toString()).toBe(
      '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</p>',
    );
  });

  it('keeps a value inside its double-quoted attribute', () => {
    const out = html`<input value="${'" autofocus onfocus="alert(1)'}" />`.toString();
    expect(out).toBe('<input value="&quot; autofocus onfocus=&quot;alert(1)" />');
  });

  it('renders nested fragments and raw() once, without escaping them again', () => {
    const inner = html`<b>${'a&b'}</b>`;
    expect(html`<p>${inner}${raw('<br>')}</p>`.toString()).toBe('<p><b>a&amp;b</b><br></p>');
  });

  it('joins arrays, escaping each item, and renders null, undefined and false as nothing', () => {
    const items = ['<a>', html`<i>ok</i>`];
    expect(html`${items}|${null}|${undefined}|${false}|${0}`.toString()).toBe('&lt;a&gt;<i>ok</i>||||0');
  });
});
