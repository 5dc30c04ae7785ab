// Hostile manifests of up to 4 MiB, each run through the built CLI (`generate`) in a fresh folder: wall time and peak
// memory (RSS, from /usr/bin/time). Target: every one within a few seconds and a few hundred MiB.
// Run with `npm run bench:hostile`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticManifest } from './synthetic.mjs';

const BIN = fileURLToPath(new URL('../bin/mlrun-images.js', import.meta.url));
const MAX_BYTES = 4 * 1024 * 1024;
const TARGET_SECONDS = 5;
const TARGET_MIB = 400;

const header = 'version: 1\nimages:\n';
/** Repeat `unit` as often as fits under 4 MiB with `before` and `after` around it. */
const fill = (before, unit, after = '', separator = '') => {
  const count = Math.floor((MAX_BYTES - before.length - after.length - 16) / (unit.length + separator.length));
  return `${before}${Array(count).fill(unit).join(separator)}${after}`;
};

const CASES = {
  'large lists aliased many times': () =>
    fill(`version: 1\nanchors:\n  big: &big [${Array(100_000).fill('x').join(', ')}]\n  uses: [`, '*big', ']\nimages:\n  a:\n    base: debian:12\n', ', '),
  'a billion laughs': () => {
    const levels = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let level = 1; level <= 12; level++)
      levels.push(
        `l${level}: &l${level} [${Array(10)
          .fill(`*l${level - 1}`)
          .join(', ')}]`,
      );
    return `${levels.join('\n')}\n`;
  },
  '10,000 invalid image names': () => {
    const lines = [];
    for (let index = 0; index < 10_000; index++) lines.push(`  Bad_${index}:\n    base: debian:12\n`);
    return header + lines.join('');
  },
  '10,001 images, one past the limit': () => header + Array.from({ length: 10_001 }, (_, index) => `  img-${index}: {base: debian:12}\n`).join(''),
  'flow lists nested 1,000,000 deep': () => `${header.trim()} ${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}\n`,
  '4 MiB of invalid ports in one list': () => fill(`${header}  a:\n    base: debian:12\n    expose: [`, 'x', ']\n', ','),
  '4 MiB of duplicate keys': () => fill(`${header}  a:\n    base: debian:12\n    env:\n`, '      A: x\n'),
  // Just under the bound on written nodes (300,000).
  'aliases, just under the node limit': () =>
    `version: 1\nanchors:\n  big: &big [${Array(1_000).fill('x').join(', ')}]\n  uses: [${Array(298_000).fill('*big').join(', ')}]\nimages:\n  a:\n    base: debian:12\n`,
  'duplicate keys, just under the node limit': () => `${header}  a:\n    base: debian:12\n    env:\n${'      A: x\n'.repeat(149_000)}`,
  'empty lists, just under the node limit': () => `version: 1\nx: [${Array(299_990).fill('[]').join(',')}]\n`,
  'empty list items, just under the node limit': () => `version: 1\nx:\n${'-\n'.repeat(299_990)}`,
  'one 4 MiB string': () => fill(`${header}  a:\n    base: debian:12\n    description: "`, 'x', '"\n'),
  // The largest valid manifests the limits let through: `npm run bench`'s largest family (about as many values as may
  // be written), as many images as may be declared, and aliases expanding to about as much as the data may hold.
  'valid: 5,000 images of `npm run bench`': () => syntheticManifest(5_000),
  'valid: 10,000 images with a layer each': () => {
    const lines = [];
    for (let index = 0; index < 10_000; index++) lines.push(`  img-${index}:\n    base: debian:12\n    layers:\n      - apt: {packages: [curl, git, vim]}\n`);
    return header + lines.join('');
  },
  'valid: 10,000 images, aliases to 920,000': () => {
    const packages = Array.from({ length: 80 }, (_, index) => `pkg${index}`).join(', ');
    const lines = [`  img-0:\n    base: debian:12\n    layers:\n      - apt: {packages: &shared [${packages}]}\n`];
    for (let index = 1; index < 10_000; index++) lines.push(`  img-${index}:\n    base: debian:12\n    layers:\n      - apt: {packages: *shared}\n`);
    return header + lines.join('');
  },
};

const results = [];
for (const [name, make] of Object.entries(CASES)) {
  const folder = mkdtempSync(join(tmpdir(), 'mlrun-images-hostile-'));
  const text = make();
  writeFileSync(join(folder, 'images.yaml'), text);
  const run = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, BIN, 'generate'], { cwd: folder, encoding: 'utf8', maxBuffer: 1 << 30 });
  const [seconds, kib] = run.stderr.trim().split('\n').pop().split(' ').map(Number);
  const firstLine = run.stderr.split('\n')[0].slice(0, 90);
  results.push({ name, bytes: Buffer.byteLength(text), exit: run.status, seconds, mib: Math.round(kib / 1024), firstLine });
  rmSync(folder, { recursive: true, force: true });
}

console.log('case                                       size     exit   wall   peak RSS   first line of output');
for (const { name, bytes, exit, seconds, mib, firstLine } of results) {
  console.log(
    `${name.padEnd(42)} ${(bytes / 1024 / 1024).toFixed(2).padStart(5)} MiB  ${String(exit).padStart(3)}  ${seconds.toFixed(2).padStart(5)} s  ${String(mib).padStart(5)} MiB   ${firstLine}`,
  );
}
const worst = { seconds: Math.max(...results.map((result) => result.seconds)), mib: Math.max(...results.map((result) => result.mib)) };
const pass = worst.seconds <= TARGET_SECONDS && worst.mib <= TARGET_MIB && results.every((result) => result.exit === 0 || result.exit === 2);
console.log(
  `\n${pass ? 'PASS' : 'FAIL'}  every case exits 0 or 2 within ${TARGET_SECONDS} s and ${TARGET_MIB} MiB (worst: ${worst.seconds.toFixed(2)} s, ${worst.mib} MiB)`,
);
process.exitCode = pass ? 0 : 1;
