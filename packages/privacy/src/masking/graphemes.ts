/*
 * Masks count what a reader sees as one character: a grapheme cluster. That
 * never splits a surrogate pair (😀 is two UTF-16 units), a letter from its
 * combining accent, or a family emoji joined by ZWJs, so a mask never leaves
 * half a character behind and never changes the apparent length.
 */
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export function graphemes(value: string): string[] {
  if (PRINTABLE_ASCII.test(value)) return value.split('');
  return Array.from(segmenter.segment(value), (part) => part.segment);
}

/** The mask for a value that cannot be read as its profile: every character masked, length kept. */
export function fullMask(value: string, maskChar: string): string {
  return maskChar.repeat(graphemes(value).length);
}

/** Keeps `first` characters at the start and `last` at the end; masks the rest, or everything if they would meet. */
export function keepEnds(chars: readonly string[], first: number, last: number, maskChar: string): string {
  if (first + last >= chars.length) return maskChar.repeat(chars.length);
  return (
    chars.slice(0, first).join('') +
    maskChar.repeat(chars.length - first - last) +
    chars.slice(chars.length - last).join('')
  );
}
