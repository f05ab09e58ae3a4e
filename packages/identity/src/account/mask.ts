import { mask } from '@onegate/privacy';

/** What a page shows of a phone number: the first three and last four digits. */
export function maskPhone(phone: string): string {
  return phone.length <= 7 ? '*'.repeat(phone.length) : `${phone.slice(0, 3)}****${phone.slice(-4)}`;
}

/** What a page shows of an e-mail address: its first letter and its domain. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '***' : `${email.slice(0, 1)}***${email.slice(at)}`;
}

/** What a page shows of a resident ID number: the address code and the last four (`110105********002X`). */
export function maskIdNumber(idNumber: string): string {
  return mask('resident-id', idNumber);
}
