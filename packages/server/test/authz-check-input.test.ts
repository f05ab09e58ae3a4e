import { describe, expect, it } from 'vitest';
import { checkInput } from '../src/api/authz-check-input.ts';

const app = { clientId: 'og_registry', scopes: ['authz:check'] };
const person = { ...app, accountId: 'acc-wang', acr: 'urn:onegate:acr:low' };
const read = { action: 'read', resource: 'civil-affairs-hz/records/1' };

describe('an authorization check as the API takes it (ASVS 10.3.2)', () => {
  it('takes who and how from the app, with the app’s own token', () => {
    expect(checkInput({ ...read, subject: 'acc-li', acr: 'substantial' }, app)).toEqual({
      ...read,
      subject: 'acc-li',
      acr: 'substantial',
    });
  });

  it('takes who and how from the token, when it is the person’s own', () => {
    expect(checkInput(read, person)).toEqual({ ...read, subject: 'acc-wang', acr: 'urn:onegate:acr:low' });
    expect(checkInput({ ...read, subject: 'acc-wang' }, person)).toMatchObject({ subject: 'acc-wang' });
    expect(checkInput(read, { ...person, acr: undefined })).toEqual({ ...read, subject: 'acc-wang' });
  });

  it('refuses a body that claims a level or a person the token does not', () => {
    expect(() => checkInput({ ...read, acr: 'substantial' }, person)).toThrow(
      /acr comes from the access token/,
    );
    expect(() => checkInput({ ...read, acr: 'low' }, person)).toThrow(/acr comes from the access token/);
    expect(() => checkInput({ ...read, subject: 'acc-li' }, person, 3)).toThrow(
      /^checks\[3\]: a person's own token checks only that person/,
    );
  });

  it('refuses unknown fields and non-objects, whoever calls', () => {
    expect(() => checkInput({ ...read, purpse: 'x' }, app)).toThrow(/only the fields/);
    expect(() => checkInput([read], person)).toThrow(/a JSON object/);
  });
});
