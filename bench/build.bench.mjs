// npm run bench:build [-- --all | --overhead-only] — against the local engine and the registry on 127.0.0.1:5000
// (scripts/dev-engine.sh).
// By default, five rows in one paired run (A B, B A, …; medians): the six-image family of bench/fixtures/family (a
// chain, a fan-out, `extends`, a build stage) against `docker buildx bake` of the bake file mlrun-images writes for it:
// a full build with the default engine (goal ≤ 1.05×) and with --engine bake (≤ 1.05×), a cached rebuild with --force
// (≤ 1.1×), a build with nothing changed (≤ 0.5× bake's cached rebuild and ≤ 0.35 s); and `generate` of the
// default family against `node -e 0` (≤ 2.5×). It exits 1 when a goal is missed.
// --all adds, first:
// (a) the overhead of `mlrun-images build` on one image against `docker build` of the same generated Dockerfile;
// (b) a fan-out family (one parent, four children with a sleep each): wall time against its critical path,
//     and against building one image after another as `make docker-images` does.
// --overhead-only runs (a) alone.
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

/** `[A, B]` in turn (A B, then B A, …): the medians, the ratio of the medians and the median of the paired ratios. */
async function paired(runA, runB, runs = RUNS) {
  const a = [];
  const b = [];
  for (let run = 0; run < runs; run++) {
    if (run % 2 === 0) {
      a.push(await runA());
      b.push(await runB());
    } else {
      b.push(await runB());
      a.push(await runA());
    }
  }
  return { a: median(a), b: median(b), ratio: median(a) / median(b), paired: median(a.map((ms, run) => ms / b[run])), runsA: a };
}

/**
 * The five rows, in one run: the six-image family (a chain, a fan-out, `extends`, a build stage) built by mlrun-images
 * against `docker buildx bake` of the bake file mlrun-images writes for it, and `generate` of the default family
 * against starting node.
 */
async function fiveRows() {
  const family = join(fixtures, 'family');
  const familyArgs = ['--base-registry', REGISTRY, '--set', 'MLRUN_DOCKER_REPO=bench', '--concurrency', '6'];
  // The bake file of the same Dockerfiles, labels included: what the default engine and --engine bake run.
  await timed('node', [bin, 'build', '--engine', 'bake', '--dry-run', ...familyArgs], { cwd: family });
  const bakeFile = join(family, '.build', 'bake.json');
  const bake = (noCache) => () =>
    timed('docker', ['buildx', 'bake', '-f', bakeFile, '--load', '--progress=plain', ...(noCache ? ['--no-cache'] : [])], { cwd: family });
  const tool = (engineArgs, flag) => () => timed('node', [bin, 'build', ...engineArgs, ...(flag ? [flag] : []), ...familyArgs], { cwd: family });
  await bake(false)();
  const rows = [];
  const row = async (what, goal, runA, runB, against, runs = RUNS) => rows.push({ what, goal, against, ...(await paired(runA, runB, runs)) });
  await row('full build (--no-cache), default engine', 1.05, tool([], '--no-cache'), bake(true), 'bake');
  await row('full build (--no-cache), --engine bake', 1.05, tool(['--engine', 'bake'], '--no-cache'), bake(true), 'bake');
  await row('cached rebuild (--force), --engine bake', 1.1, tool(['--engine', 'bake'], '--force'), bake(false), 'bake');
  await tool([])();
  await row('nothing changed, default engine', 0.5, tool([]), bake(false), 'bake');
  const generate = () => timed('node', [bin, 'generate'], { cwd: root });
  await row('generate, default family', 2.5, generate, () => timed('node', ['-e', '0']), 'node -e 0', 10);

  console.log('(c) the six-image family against `docker buildx bake` of the same bake file; generate against `node -e 0`');
  console.log(`    ${'run'.padEnd(42)} ${'ours'.padStart(8)} ${'theirs'.padStart(8)}  ratio (paired)   goal    verdict`);
  const verdicts = [];
  for (const each of rows) {
    const wallGoal = each.what.startsWith('nothing changed') ? 0.35 : undefined;
    const pass = each.ratio <= each.goal && (wallGoal === undefined || each.a / 1000 <= wallGoal);
    verdicts.push(pass);
    const goal = `≤ ${each.goal}${wallGoal ? ` and ≤ ${wallGoal} s` : ''}`;
    console.log(
      `    ${each.what.padEnd(42)} ${seconds(each.a).padStart(8)} ${seconds(each.b).padStart(8)}  ${each.ratio.toFixed(2)} (${each.paired.toFixed(2)})   ${goal.padEnd(16)} ${pass ? 'PASS' : 'MISS'}   (${each.against})`,
    );
  }
  const noOp = rows.find((each) => each.what.startsWith('nothing changed'));
  console.log(`    nothing changed, each run: ${noOp.runsA.map(seconds).join('  ')}`);
  return verdicts.every(Boolean);
}

if (!process.argv.includes('--all') && !process.argv.includes('--overhead-only')) {
  const met = await fiveRows();
  rmSync(scratch, { recursive: true, force: true });
  process.exit(met ? 0 : 1);
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

console.log('\nTargets');
console.log(
  `  ${overhead <= 1.05 ? 'PASS' : 'MISS'}  overhead ratio ≤ 1.05: ${overhead.toFixed(3)} (ratio of the medians; median of the paired ratios ${pairedRatio.toFixed(3)})`,
);
console.log(`  ${toCriticalPath <= 1.15 ? 'PASS' : 'MISS'}  fan-out wall / critical path ≤ 1.15: ${toCriticalPath.toFixed(3)}`);
console.log('');
if (buildkit) await fiveRows();
rmSync(scratch, { recursive: true, force: true });
