// npm run bench:build [-- --overhead-only | --family-only] — against the local engine and the registry on 127.0.0.1:5000
// (scripts/dev-engine.sh).
// (a) the overhead of `mlrun-images build` on one image against `docker build` of the same generated Dockerfile;
// (b) a fan-out family (one parent, four children with a sleep each): wall time against its critical path,
//     and against building one image after another as `make docker-images` does;
// (c) a five-image chain-and-fan-out family, with the docker engine and with --engine bake, against `docker buildx
//     bake` of the same Dockerfiles (the bake file the bake engine writes): a build with nothing changed (every image
//     up to date: target ≤ 0.5 s wall and ≤ 0.5 of bake's cached rebuild), a cached rebuild (--force) and a full build.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'mlrun-images.js');
const fixtures = join(root, 'bench', 'fixtures');
const REGISTRY = '127.0.0.1:5000';
const RUNS = 5;
const common = ['--base-registry', REGISTRY, '--set', 'MLRUN_DOCKER_REPO=bench', '--engine', 'docker'];
const scratch = mkdtempSync(join(tmpdir(), 'mlrun-images-bench-'));

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

async function timed(command, args, options) {
  const started = performance.now();
  const result = await execa(command, args, { reject: false, all: true, ...options });
  if (result.exitCode !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.all}`);
  return performance.now() - started;
}

if ((await execa('docker', ['info'], { reject: false })).exitCode !== 0) {
  console.log('bench:build needs a running docker; run scripts/dev-engine.sh as root first');
  process.exit(1);
}
const buildkit = (await execa('docker', ['buildx', 'version'], { reject: false })).exitCode === 0;
console.log(`mlrun-images build benchmark: docker ${buildkit ? 'BuildKit' : 'classic builder'}, ${RUNS} runs each, median\n`);

/** (c): each command against plain bake, in turn (A B A B …), the ratio of the medians and the median of the paired ratios. */
async function familyAgainstBake() {
  const family = join(fixtures, 'family');
  const familyArgs = ['--base-registry', REGISTRY, '--set', 'MLRUN_DOCKER_REPO=bench'];
  // The bake file of the same Dockerfiles, labels included: what --engine bake runs.
  await timed('node', [bin, 'build', '--engine', 'bake', '--dry-run', ...familyArgs], { cwd: family });
  const bakeFile = join(family, '.build', 'bake.json');
  const bake = (noCache) =>
    timed('docker', ['buildx', 'bake', '-f', bakeFile, '--load', '--progress=plain', ...(noCache ? ['--no-cache'] : [])], { cwd: family });
  const tool = (engine, flag) =>
    timed('node', [bin, 'build', '--engine', engine, '--concurrency', '5', ...(flag ? [flag] : []), ...familyArgs], { cwd: family });
  await bake(false);
  const rows = [];
  for (const [what, flag, target] of [
    ['nothing changed', undefined, 0.5],
    ['cached rebuild (--force)', '--force', 1.0],
    ['full build (--no-cache)', '--no-cache', 1.05],
  ]) {
    const noCache = flag === '--no-cache';
    for (const engine of ['docker', 'bake']) {
      const ours = [];
      const theirs = [];
      for (let run = 0; run < RUNS; run++) {
        if (run % 2 === 0) {
          ours.push(await tool(engine, flag));
          theirs.push(await bake(noCache));
        } else {
          theirs.push(await bake(noCache));
          ours.push(await tool(engine, flag));
        }
      }
      const ratio = median(ours) / median(theirs);
      const paired = median(ours.map((ms, run) => ms / theirs[run]));
      rows.push({ what, engine, ours: median(ours), theirs: median(theirs), ratio, paired, target, runs: ours });
    }
  }
  console.log('\n(c) five images (base → mid → leaf-a, leaf-b; base → leaf-c) against docker buildx bake of the same Dockerfiles');
  for (const row of rows) {
    console.log(
      `    ${row.what.padEnd(24)} --engine ${row.engine.padEnd(6)} ${seconds(row.ours)}   bake: ${seconds(row.theirs)}   ratio ${row.ratio.toFixed(3)} (paired ${row.paired.toFixed(3)}; target ≤ ${row.target.toFixed(2)})`,
    );
  }
  const noOp = rows.filter((row) => row.what === 'nothing changed');
  for (const row of noOp) console.log(`    nothing changed, --engine ${row.engine}, each run: ${row.runs.map(seconds).join('  ')}`);
  return [...rows, ...noOp.map((row) => ({ ...row, what: 'nothing changed, wall (s)', ratio: row.ours / 1000, target: 0.5 }))];
}

/** One target of (c): a ratio to bake, or (the no-op build) a wall time. */
function targetLine(row) {
  const verdict = row.ratio <= row.target ? 'PASS' : 'MISS';
  if (row.what.includes('wall'))
    return `  ${verdict}  nothing changed, --engine ${row.engine}, wall ≤ ${row.target.toFixed(2)} s: ${row.ratio.toFixed(3)} s (median)`;
  return `  ${verdict}  ${row.what}, --engine ${row.engine}, / bake ≤ ${row.target.toFixed(2)}: ${row.ratio.toFixed(3)}`;
}

if (process.argv.includes('--family-only')) {
  const rows = await familyAgainstBake();
  console.log('\nTargets');
  for (const row of rows) console.log(targetLine(row));
  process.exit(0);
}

// (a) one image, no cache, so each run really builds.
const one = join(fixtures, 'one');
const tool = [];
const plain = [];
await timed('node', [bin, 'build', '--no-cache', ...common], { cwd: one });
const dockerfile = join(one, '.build', 'dockerfiles', 'bench-one', 'Dockerfile');
const runTool = async () => tool.push(await timed('node', [bin, 'build', '--no-cache', ...common], { cwd: one }));
const runPlain = async () =>
  plain.push(
    await timed(
      'docker',
      ['build', '--no-cache', '-f', dockerfile, '--build-arg', `BASE_IMAGE=${REGISTRY}/debian:bookworm`, '-t', 'bench/bench-one:plain', one],
      {
        cwd: one,
        env: { DOCKER_BUILDKIT: buildkit ? '1' : '0' },
      },
    ),
  );
// Alternate which goes first, so neither always meets a cold mirror or a busy daemon.
for (let run = 0; run < RUNS; run++) {
  if (run % 2 === 0) {
    await runTool();
    await runPlain();
  } else {
    await runPlain();
    await runTool();
  }
}
const overhead = median(tool) / median(plain);
console.log('(a) one image (apt-get install openmpi-bin), --no-cache');
console.log(`    mlrun-images build: ${seconds(median(tool))}   docker build: ${seconds(median(plain))}   ratio ${overhead.toFixed(3)} (target ≤ 1.05)`);
const fixedCost = median(tool.map((ms, run) => ms - plain[run]));
const pairedRatio = median(tool.map((ms, run) => ms / plain[run]));
console.log(`    runs (mlrun-images / docker): ${tool.map((ms, run) => `${seconds(ms)}/${seconds(plain[run])}`).join('  ')}`);
console.log(
  `    median of the paired ratios: ${pairedRatio.toFixed(3)}; the tool's own cost per run (median of the paired differences): ${seconds(fixedCost)}, so a build of ${seconds(fixedCost / 0.05)} or longer stays within 1.05`,
);

if (process.argv.includes('--overhead-only')) {
  console.log(`\nTarget\n  ${overhead <= 1.05 ? 'PASS' : 'MISS'}  overhead ratio ≤ 1.05: ${overhead.toFixed(3)} (ratio of the medians)`);
  process.exit(0);
}

// (b) fan-out: in parallel, then one after another.
const fanOut = join(fixtures, 'fan-out');
const summaryOf = (file) => JSON.parse(readFileSync(file, 'utf8')).images;
const parallelWall = [];
const criticalPaths = [];
const sequentialWall = [];
for (let run = 0; run < RUNS; run++) {
  const summaryFile = join(scratch, `fan-out-${run}.json`);
  parallelWall.push(await timed('node', [bin, 'build', '--no-cache', '--concurrency', '5', '--json', summaryFile, ...common], { cwd: fanOut }));
  const images = summaryOf(summaryFile);
  const duration = (name) => images.find((image) => image.name === name).durationSeconds * 1000;
  criticalPaths.push(duration('parent') + Math.max(...images.filter((image) => image.name !== 'parent').map((image) => image.durationSeconds * 1000)));
  sequentialWall.push(await timed('node', [bin, 'build', '--no-cache', '--concurrency', '1', ...common], { cwd: fanOut }));
}
const toCriticalPath = median(parallelWall) / median(criticalPaths);
const toSequential = median(parallelWall) / median(sequentialWall);
console.log('\n(b) fan-out: one parent (sleep 4), four children (sleep 6 each), --no-cache');
console.log(
  `    --concurrency 5: ${seconds(median(parallelWall))}   critical path: ${seconds(median(criticalPaths))}   ratio ${toCriticalPath.toFixed(3)} (target ≤ 1.15)`,
);
console.log(
  `    one after another (--concurrency 1, as make docker-images): ${seconds(median(sequentialWall))}   parallel/sequential ${toSequential.toFixed(3)}`,
);

const familyRows = buildkit ? await familyAgainstBake() : [];

console.log('\nTargets');
for (const row of familyRows) console.log(targetLine(row));
console.log(
  `  ${overhead <= 1.05 ? 'PASS' : 'MISS'}  overhead ratio ≤ 1.05: ${overhead.toFixed(3)} (ratio of the medians; median of the paired ratios ${pairedRatio.toFixed(3)})`,
);
console.log(`  ${toCriticalPath <= 1.15 ? 'PASS' : 'MISS'}  fan-out wall / critical path ≤ 1.15: ${toCriticalPath.toFixed(3)}`);
rmSync(scratch, { recursive: true, force: true });
