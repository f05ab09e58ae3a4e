/**
 * SQL is written once with PostgreSQL's `$1, $2 …` placeholders. SQLite reads
 * `$1` as a *named* parameter numbered by first appearance, so `$2 … $1` would
 * bind in the wrong order; `?1, ?2 …` are numbered explicitly. When the
 * placeholders run `$1, $2 … $n` in order, each once (every multi-row INSERT),
 * they become plain `?`: node:sqlite binds numbered parameters ever more
 * slowly as their count grows (a 2,816-parameter INSERT ran at a third of the
 * speed). Quoted text and comments are copied untouched.
 */
export function toSqlitePlaceholders(sql: string): string {
  let out = '';
  let plain = '';
  let inOrder = true;
  let count = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    let piece: string;
    if (ch === "'" || ch === '"') {
      const end = closingQuote(sql, i, ch);
      piece = sql.slice(i, end);
      i = end;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      piece = sql.slice(i, stop);
      i = stop;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      piece = sql.slice(i, stop);
      i = stop;
    } else if (ch === '$' && isDigit(sql[i + 1])) {
      let j = i + 1;
      while (isDigit(sql[j])) j++;
      const number = sql.slice(i + 1, j);
      count++;
      if (number !== String(count)) inOrder = false;
      out += '?' + number;
      plain += '?';
      i = j;
      continue;
    } else {
      piece = ch;
      i++;
    }
    out += piece;
    plain += piece;
  }
  return inOrder ? plain : out;
}

function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote)
        i += 2; // doubled quote is an escaped quote
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}
