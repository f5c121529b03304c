import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditRow } from '../api/paths.js';
import { collectRows, csvCell, exportFileName, toCsv, toJsonLines } from './audit-export.js';

const row = (seq: number, over: Partial<AuditRow> = {}): AuditRow => ({
  seq,
  at: Date.parse('2030-01-02T03:04:05.678Z'),
  actorKind: 'user',
  actorId: 'usr_1',
  actorName: 'ada@example.com',
  teamId: 'team_1',
  requestId: 'req-1',
  action: 'user.grant',
  target: 'user:bob@example.com',
  outcome: 'ok',
  detail: {},
  prevHash: 'p',
  hash: `h${seq}`,
  ...over,
});

test('JSON lines: each row as berthd answered it, one a line', () => {
  const rows = [row(1), row(2, { detail: { role: 'viewer' } })];
  const text = toJsonLines(rows);
  assert.deepEqual(
    text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown),
    rows,
  );
  assert.ok(text.endsWith('\n'));
  assert.equal(toJsonLines([]), '');
});

test('CSV: quoted as RFC 4180, and nothing a spreadsheet would run as a formula', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(7), '7');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"\nthen'), '"say ""hi""\nthen"');
  for (const formula of ['=HYPERLINK("http://evil")', '+1', '-1+2', '@SUM(A1)', '\tx'])
    assert.ok(csvCell(formula).replace(/^"/, '').startsWith("'"), formula);
  const csv = toCsv([row(1, { target: '=cmd|"/c calc"!A1', detail: { role: 'viewer' }, actorName: null })]);
  const [head, line, end] = csv.split('\r\n');
  assert.equal(head, 'seq,at,actor_kind,actor,actor_id,team_id,action,target,outcome,detail,request_id,hash');
  assert.equal(
    line,
    `1,2030-01-02T03:04:05.678Z,user,,usr_1,team_1,user.grant,"'=cmd|""/c calc""!A1",ok,"{""role"":""viewer""}",req-1,h1`,
  );
  assert.equal(end, '');
});

test('file names sort by time and hold no character a file system refuses', () => {
  assert.equal(
    exportFileName('csv', new Date('2030-01-02T03:04:05.678Z')),
    'berth-audit-20300102T030405Z.csv',
  );
  assert.equal(exportFileName('jsonl', new Date(0)), 'berth-audit-19700101T000000Z.jsonl');
});

/** A log of n rows, read as listAudit pages it: after a seq, at most limit, oldest first. */
const reader =
  (n: number, asked: [number, number][]) =>
  (after: number, limit: number): Promise<AuditRow[]> => {
    asked.push([after, limit]);
    return Promise.resolve(
      Array.from({ length: n }, (_, i) => row(i + 1))
        .filter((r) => r.seq > after)
        .slice(0, limit),
    );
  };

test('every matching row, page after page, up to the cap', async () => {
  const asked: [number, number][] = [];
  const all = await collectRows(reader(2500, asked));
  assert.deepEqual([all.rows.length, all.truncated, all.rows.at(-1)?.seq], [2500, false, 2500]);
  assert.deepEqual(asked, [
    [0, 1000],
    [1000, 1000],
    [2000, 1000],
  ]);
  const exact = await collectRows(reader(2000, []), 2000);
  assert.deepEqual([exact.rows.length, exact.truncated], [2000, false]);
  const over = await collectRows(reader(2001, []), 2000);
  assert.deepEqual([over.rows.length, over.truncated, over.rows.at(-1)?.seq], [2000, true, 2000]);
  assert.deepEqual(await collectRows(reader(0, [])), { rows: [], truncated: false });
});
