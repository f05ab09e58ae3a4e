import { describe, expect, it } from 'vitest';
import { toSqlitePlaceholders } from '../src/placeholders.ts';

describe('toSqlitePlaceholders', () => {
  it('numbers each placeholder explicitly so $2 before $1 binds right', () => {
    expect(toSqlitePlaceholders('SELECT $2 AS b, $1 AS a, $10 AS j')).toBe(
      'SELECT ?2 AS b, ?1 AS a, ?10 AS j',
    );
  });

  it('numbers them too when one is used twice', () => {
    expect(toSqlitePlaceholders('SELECT $1 AS a, $2 AS b, $1 AS c')).toBe('SELECT ?1 AS a, ?2 AS b, ?1 AS c');
  });

  it('writes plain ? when they run $1, $2 … in order, each once (what node:sqlite binds fastest)', () => {
    expect(toSqlitePlaceholders('INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)')).toBe(
      'INSERT INTO t (a, b) VALUES (?, ?), (?, ?)',
    );
  });

  it('leaves dollar signs inside quoted text and comments alone', () => {
    const sql = `SELECT '$1 it''s $2' AS s, "col$1" -- $3\n, $1 /* $4 */, $2`;
    expect(toSqlitePlaceholders(sql)).toBe(`SELECT '$1 it''s $2' AS s, "col$1" -- $3\n, ? /* $4 */, ?`);
    expect(toSqlitePlaceholders(`SELECT $2, '$1', $1`)).toBe(`SELECT ?2, '$1', ?1`);
  });
});
