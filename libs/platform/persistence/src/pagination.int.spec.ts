import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';
import { encodeCursor, keysetPage, type PageQuery, parsePageQuery, readPageQuery } from './pagination';

/** Rows that share milliseconds but not microseconds: what a cursor (a JS date) cannot tell apart. */
const TIMES = ['00:00:00.001001', '00:00:00.001002', '00:00:00.001003', '00:00:00.002500', '00:00:00.002501', '00:00:00.003000', '00:00:00.003999'];

describe('keyset pages (real PostgreSQL)', () => {
  let ds: DataSource;
  const table = `kp_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

  beforeAll(async () => {
    ds = await new DataSource(dataSourceOptions(process.env.DATABASE_URL as string, 2)).initialize();
    await ds.query(`CREATE TABLE ${table} (id uuid PRIMARY KEY, created_at timestamptz NOT NULL)`);
    for (const t of TIMES) {
      // Two rows per instant too: the id breaks the tie.
      await ds.query(`INSERT INTO ${table} VALUES ($1, $2), ($3, $2)`, [randomUUID(), `2026-01-01 ${t}+00`, randomUUID()]);
    }
  });
  afterAll(async () => {
    await ds?.query(`DROP TABLE IF EXISTS ${table}`);
    await ds?.destroy();
  });

  async function walk(direction: 'ASC' | 'DESC', limit: number): Promise<string[]> {
    const seen: string[] = [];
    let page: PageQuery = { limit };
    for (let n = 0; n < 100; n++) {
      const qb = ds.createQueryBuilder().select('t.id', 'id').addSelect('t.created_at', 'created_at').from(table, 't');
      const rows = (await keysetPage(qb, 't', page, direction).getRawMany()) as { id: string; created_at: Date }[];
      const items = rows.slice(0, limit);
      seen.push(...items.map((r) => r.id));
      if (rows.length <= limit) return seen;
      const last = items[items.length - 1];
      page = parsePageQuery({ limit, cursor: encodeCursor(last.created_at, last.id) });
    }
    throw new Error('no last page');
  }

  it.each([
    ['ASC', 1],
    ['ASC', 2],
    ['ASC', 3],
    ['DESC', 1],
    ['DESC', 2],
    ['DESC', 5],
  ] as const)('%s, %d per page: every row once, none skipped where rows share a millisecond', async (direction, limit) => {
    const all = (await ds.query(
      `SELECT id FROM ${table} ORDER BY date_trunc('milliseconds', created_at) ${direction}, id ${direction}`,
    )) as { id: string }[];
    expect(await walk(direction, limit)).toEqual(all.map((r) => r.id));
  });

  it('a bad limit or cursor becomes the caller’s own error', () => {
    const invalid = (message: string) => new RangeError(`400: ${message}`);
    expect(() => readPageQuery({ cursor: 'not-a-cursor' }, invalid)).toThrow(RangeError);
    expect(() => readPageQuery({ limit: '501' }, invalid)).toThrow('400: limit must be an integer from 1 to 500');
    expect(readPageQuery({ limit: '7' }, invalid)).toEqual({ limit: 7, after: undefined });
  });
});
