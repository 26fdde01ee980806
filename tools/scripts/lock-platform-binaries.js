#!/usr/bin/env node
// Adds lockfile entries for platform-specific optional binaries (other OSes and CPUs) that the
// npm registry reachable here does not serve, so `npm ci` accepts the lockfile everywhere. npm
// skips these entries on this platform (their os/cpu do not match), so nothing is downloaded.
// Usage: node tools/scripts/lock-platform-binaries.js <missing-name>...  (names from npm ci's error)
const fs = require('node:fs');
const path = require('node:path');

const lockPath = path.resolve(__dirname, '../../package-lock.json');
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const names = process.argv.slice(2);

function platformOf(name) {
  const base = name.split('/').pop();
  const os = ['darwin', 'win32', 'linux', 'android', 'freebsd', 'openharmony', 'netbsd', 'openbsd', 'sunos', 'aix'].find((o) =>
    base.includes(`-${o}-`) || base.endsWith(`-${o}`),
  );
  const cpuAliases = [
    ['riscv64', 'riscv64'], ['loong64', 'loong64'], ['ppc64', 'ppc64'], ['s390x', 's390x'], ['arm64', 'arm64'],
    ['x64', 'x64'], ['ia32', 'ia32'], ['arm', 'arm'],
  ];
  const cpu = cpuAliases.find(([token]) => new RegExp(`-${token}(-|$)`).test(base))?.[1];
  const libc = /-musl/.test(base) ? 'musl' : /-gnu/.test(base) ? 'glibc' : undefined;
  if (!os || !cpu) throw new Error(`cannot tell the platform of ${name}`);
  return { os: [os], cpu: [cpu], ...(libc && os === 'linux' ? { libc: [libc] } : {}) };
}

let added = 0;
for (const name of names) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const parent = Object.values(lock.packages).find((p) => p.optionalDependencies && p.optionalDependencies[name]);
  if (!parent) throw new Error(`no package declares ${name} as optional`);
  lock.packages[key] = { version: parent.optionalDependencies[name], optional: true, ...platformOf(name) };
  added++;
}
const sorted = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
lock.packages = sorted;
fs.writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} platform entries`);
