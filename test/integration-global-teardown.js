const { Client } = require('pg');
const Redis = require('ioredis');

module.exports = async function globalTeardown() {
  const dbName = process.env.HUB_TEST_DATABASE;
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  if (dbName && !process.env.HUB_TEST_KEEP_DB) {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      // The run's database and the ones suites made for themselves (`<run database>_<label>`).
      const rows = await client.query(`SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $1 || '_')`, [dbName]);
      for (const { datname } of rows.rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }
  const prefix = process.env.HUB_REDIS_PREFIX;
  if (prefix) {
    const redis = new Redis(process.env.REDIS_URL || 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    } catch {
      // Redis being down at teardown must not hide the test results.
    } finally {
      redis.disconnect();
    }
  }
};
