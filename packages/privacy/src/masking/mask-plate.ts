import { fullMask, graphemes } from './graphemes.ts';

/**
 * Province character, issuing-authority letter, optional separator, then 5
 * (regular) or 6 (new-energy) letters and digits, or 4 and a class character
 * (学 警 挂 领 使 港 澳).
 */
const CHINESE_PLATE = /^(\p{Script=Han}[A-Za-z])[\s·•・-]?([A-Za-z0-9]{5,6}|[A-Za-z0-9]{4}\p{Script=Han})$/u;
const OTHER_PLATE = /^[A-Za-z0-9](?:[A-Za-z0-9]|[\s-](?=[A-Za-z0-9])){3,}$/;

/**
 * Chinese plates keep the province character, the letter and the last two:
 * `浙A12345` → `浙A·***45`, `粤BD12345` → `粤B·****45`. Other plates keep their
 * last two letters or digits and their separators (`AB12 CDE` → `**** *DE`);
 * anything else, or a plate of fewer than four characters, is fully masked.
 */
export function maskPlate(value: string, maskChar: string): string {
  const trimmed = value.trim();
  const chinese = CHINESE_PLATE.exec(trimmed);
  if (chinese) {
    const serial = graphemes(chinese[2] ?? '');
    return `${chinese[1]}·${maskChar.repeat(serial.length - 2)}${serial.slice(-2).join('')}`;
  }
  if (OTHER_PLATE.test(trimmed)) {
    const alnum = trimmed.replace(/[^A-Za-z0-9]/g, '').length;
    let seen = 0;
    return trimmed.replace(/[A-Za-z0-9]/g, (char) => (++seen > alnum - 2 ? char : maskChar));
  }
  return fullMask(value, maskChar);
}
