import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { MODEL_TEXT } from '../src/casbin-lines.ts';
import { POLICIES } from './policy-fixtures.ts';

it('policies/model.conf is the built-in model, byte for byte', () => {
  // Operators read the file; the engine uses MODEL_TEXT. Change both or neither.
  expect(readFileSync(join(POLICIES, 'model.conf'), 'utf8')).toBe(MODEL_TEXT);
});
