import { COMPOUND_SURNAMES } from './compound-surnames.ts';
import { graphemes } from './graphemes.ts';

/** Between the parts of a name: spaces, the middle dots of transcribed names (阿沛·阿旺晋美), hyphens, periods. */
const SEPARATOR = /^[\s·•・‧.\-‐]$/u;
const HAN = /^\p{Script=Han}/u;

/**
 * Chinese names keep the surname: `张三` → `张*`, `张三丰` → `张**`,
 * `欧阳娜娜` → `欧阳**` (compound surnames, see `COMPOUND_SURNAMES`).
 * Other names keep the first letter of each part: `John Smith` → `J*** S****`,
 * `Mary-Jane` → `M***-J***`. Separators stay. One mask character per
 * character, as the convention expects. A name of one character, or one
 * where nothing would be masked (`J. K.`), is masked entirely.
 */
export function maskName(value: string, maskChar: string): string {
  const chars = graphemes(value);
  const isLetter = chars.map((char) => !SEPARATOR.test(char));
  const keep = new Array<boolean>(chars.length).fill(false);
  const first = isLetter.indexOf(true);
  if (first < 0) return value; // empty or separators only: nothing personal to hide
  if (HAN.test(chars[first] ?? '')) {
    keep[first] = true;
    const letters = isLetter.filter(Boolean).length;
    if (letters >= 3 && isLetter[first + 1] && COMPOUND_SURNAMES.has(`${chars[first]}${chars[first + 1]}`)) {
      keep[first + 1] = true;
    }
  } else {
    for (let i = first; i < chars.length; i++) {
      keep[i] = isLetter[i] === true && (i === 0 || isLetter[i - 1] === false);
    }
  }
  const masksSomething = chars.some((_, i) => isLetter[i] && !keep[i]);
  return chars
    .map((char, i) => (isLetter[i] && (keep[i] === false || !masksSomething) ? maskChar : char))
    .join('');
}
