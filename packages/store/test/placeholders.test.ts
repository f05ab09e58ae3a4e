import { describe, expect, it } from 'vitest';
import { toSqlitePlaceholders } from '../src/placeholders.ts';

describe('toSqlitePlaceholders', () => {
  it('numbers each placeholder explicitly so $2 before $1 binds right', () => {
    expect(toSqlitePlaceholders('SELECT $2 AS b, $1 AS a, $10 AS j')).toBe(
      'SELECT ?2 AS b, ?1 AS a, ?10 AS j',
    );
  });

  it('leaves dollar signs inside quoted text and comments alone', () => {
    const sql = `SELECT '$1 it''s $2' AS s, "col$1" -- $3\n, $1 /* $4 */`;
    expect(toSqlitePlaceholders(sql)).toBe(`SELECT '$1 it''s $2' AS s, "col$1" -- $3\n, ?1 /* $4 */`);
  });
});
