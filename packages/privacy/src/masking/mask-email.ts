import { fullMask, graphemes } from './graphemes.ts';

/**
 * `zhangsan@example.com` → `z***@example.com`: the first character of the
 * local part and the whole domain stay; the rest becomes a fixed `***` that
 * hides its length. A one-character local part is masked entirely
 * (`a@x.cn` → `***@x.cn`). Without a non-empty local part and domain the
 * value is fully masked.
 */
export function maskEmail(value: string, maskChar: string): string {
  const at = value.lastIndexOf('@');
  const local = graphemes(value.slice(0, Math.max(at, 0)));
  const domain = value.slice(at + 1);
  if (at < 0 || local.length === 0 || domain === '' || /\s/.test(value)) return fullMask(value, maskChar);
  const kept = local.length > 1 ? (local[0] ?? '') : '';
  return `${kept}${maskChar.repeat(3)}@${domain}`;
}
