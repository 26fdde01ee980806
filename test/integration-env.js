// Defaults every integration test needs; the global setup already set the database and prefix.
process.env.HUB_ENCRYPTION_KEYS =
  process.env.HUB_ENCRYPTION_KEYS || 'test1:' + Buffer.alloc(32, 7).toString('base64');
process.env.LOG_LEVEL = process.env.LOG_LEVEL || 'error';
