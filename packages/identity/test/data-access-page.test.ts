import { describe, expect, it } from 'vitest';
import { accessesCsv } from '../src/account/data-access-csv.ts';
import { dataAccessPage, LANGUAGES, MESSAGES, type DataAccessRow } from '../src/pages/index.ts';

const ROW: DataAccessRow & { department: string; app: string; officialName: string } & Required<
    Pick<DataAccessRow, 'field' | 'resource' | 'purpose'>
  > = {
  index: 41,
  at: Date.parse('2026-05-02T06:03:07Z'),
  department: 'civil-affairs',
  app: 'Civil <Affairs>',
  officialName: '王*',
  officialId: 'wang.*** …ab12',
  byApp: false,
  field: 'id_number',
  resource: 'civil-affairs/residents/r-1001/id_number',
  purpose: 'identity-verification',
  outcome: 'success',
};

describe('the "who looked at my data" page', () => {
  it.each(LANGUAGES)('lists each access in %s with a report form, local time, and escaped names', (lang) => {
    const t = MESSAGES[lang].dataAccess;
    const page = dataAccessPage({ lang, currentUrl: '/account/data-access', rows: [ROW], csrfToken: 'tok' });
    expect(page).toContain(`<h1>${t.title}</h1>`);
    expect(page).toContain('2026-05-02 14:03:07');
    expect(page).toContain('Civil &lt;Affairs&gt;');
    expect(page).toContain('王* (wang.*** …ab12)');
    expect(page).toContain(t.fields['id_number']);
    expect(page).toContain('action="/account/data-access/report"');
    expect(page).toContain('name="event" value="41"');
    expect(page).toContain('name="csrf" value="tok"');
    expect(page).not.toMatch(/<script|style=/);
  });

  it('says when there is nothing, and confirms a report', () => {
    const page = dataAccessPage({
      lang: 'en',
      currentUrl: '/',
      rows: [],
      csrfToken: 't',
      notice: 'reported',
    });
    expect(page).toContain(MESSAGES.en.dataAccess.none);
    expect(page).toMatch(/role="status"[^>]*>\s*<p>Your report is recorded/);
  });

  it('exports the same masked rows as CSV, safe from spreadsheet formulas', () => {
    const csv = accessesCsv('en', [{ ...ROW, app: '=HYPERLINK("x")', action: 'privacy.decrypt' }]);
    const [header, line] = csv.replace('\ufeff', '').split('\r\n');
    expect(header).toBe(MESSAGES.en.dataAccess.csvHeader.join(','));
    expect(line).toBe(
      `2026-05-02 14:03:07,civil-affairs,"'=HYPERLINK(""x"")",王*,wang.*** …ab12,id_number,civil-affairs/residents/r-1001/id_number,identity-verification,Accessed,41`,
    );
  });
});
