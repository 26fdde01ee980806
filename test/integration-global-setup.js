// Each test run gets its own PostgreSQL database and Redis key prefix (QUALITY.md), so two runs
// on one machine never collide. Migrations are applied by the tests through the real migrator.
const { Client } = require('pg');
const crypto = require('node:crypto');

module.exports = async function globalSetup() {
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const suffix = `${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const dbName = `hub_test_${suffix}`;
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${dbName}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  process.env.DATABASE_URL = url.toString();
  process.env.HUB_TEST_DATABASE = dbName;
  process.env.HUB_REDIS_PREFIX = `hubtest_${suffix}`;
  process.env.REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
};
