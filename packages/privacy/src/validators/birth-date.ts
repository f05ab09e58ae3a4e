export type BirthDateProblem = 'not_a_date' | 'future' | 'too_early';

export interface BirthDateRules {
  /** Dates after this day are refused. */
  today: Date;
  /** Years before this are refused; undefined: no floor. */
  minYear: number | undefined;
}

/** Hours ahead of UTC in the easternmost time zone (Kiribati, UTC+14). */
const EASTERNMOST_OFFSET_MS = 14 * 3600 * 1000;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Checks `YYYYMMDD` (8 ASCII digits). A date counts as "in the future" only
 * when it is after today everywhere on Earth, so a baby registered in Beijing
 * shortly after midnight is not refused by a server on UTC.
 */
export function checkBirthDate(yyyymmdd: string, rules: BirthDateRules): BirthDateProblem | undefined {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return 'not_a_date';
  if (rules.minYear !== undefined && year < rules.minYear) return 'too_early';
  const latest = new Date(rules.today.getTime() + EASTERNMOST_OFFSET_MS).toISOString().slice(0, 10);
  if (`${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}` > latest) return 'future';
  return undefined;
}
