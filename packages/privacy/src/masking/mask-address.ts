import { regionPrefix } from './address-regions.ts';

const HAN = /^\s*\p{Script=Han}/u;
const DIGIT = /\p{Nd}/u;
const COMMA = /[,，]/;

/**
 * Keeps the coarse region and replaces everything finer with a fixed
 * `******` (so the mask does not tell a short address from a long one).
 * Chinese addresses keep province and prefecture (`浙江省杭州市西湖区文三路
 * 90号` → `浙江省杭州市******`; a municipality keeps its district:
 * `北京市朝阳区******`). Other addresses keep their last comma-separated part,
 * usually the country (`10 Downing St, London, UK` → `******, UK`), unless it
 * holds a digit (a postcode: `…, 75001 Paris` → `******`). When no region is
 * recognized the result is `******`.
 */
export function maskAddress(value: string, maskChar: string): string {
  const hidden = maskChar.repeat(6);
  if (HAN.test(value)) return regionPrefix(value.trim()) + hidden;
  const parts = value.split(COMMA);
  const last = parts.at(-1)?.trim() ?? '';
  if (parts.length < 2 || last === '' || DIGIT.test(last)) return hidden;
  return `${hidden}, ${last}`;
}
