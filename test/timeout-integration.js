// `testTimeout` is a global jest option and is ignored inside `projects`; per-tier timeouts are set here.
jest.setTimeout(30000);
