// `npm run bench`: time parse → validate → resolve → render → write on synthetic manifests of growing size,
// and one CLI `generate` of the real images.yaml, against the performance targets. Reads dist/, which the
// npm script rebuilds first (templates/ and src/ change together).
// Exits 0 whether targets pass or not: it measures, it does not test.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFamily, renderFamily } from '../dist/pipeline.js';
import { layerKindsOf } from '../dist/render/templates.js';
import { compareOutput, readTemplates, writeOutput } from '../dist/cli/files.js';
import { MANIFEST_SCHEMA } from '../dist/schema.js';
import { IMAGES_PER_GROUP, syntheticManifest } from './synthetic.mjs';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SIZES = [100, 1_000, 5_000];
const RUNS_PER_SIZE = 3;
const CLI_RUNS = 5;
const TARGET_1000_MS = 1000;
const TARGET_SCALING = 6;
const TARGET_CLI_MS = 400;

// ---------------------------------------------------------------- measurement helpers

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const medianOfRuns = (count, measure) => median(Array.from({ length: count }, measure));

function withTemporaryFolder(work) {
  const folder = mkdtempSync(join(tmpdir(), 'mlrun-images-bench-'));
  const removeFolder = () => rmSync(folder, { recursive: true, force: true });
  try {
    const result = work(folder);
    if (result instanceof Promise) return result.finally(removeFolder);
    removeFolder();
    return result;
  } catch (error) {
    removeFolder();
    throw error;
  }
}

/** One pass of the pipeline; each phase in milliseconds. Writes into a fresh empty folder. */
async function timePipeline(text, inputs) {
  const started = performance.now();
  const family = loadFamily({ source: { file: 'images.yaml', text }, schema: inputs.schema, layerKinds: inputs.layerKinds, env: {}, overrides: {} });
  const loaded = performance.now();
  const files = renderFamily(family, inputs.templates);
  const rendered = performance.now();
  await withTemporaryFolder(async (folder) => writeOutput(folder, await compareOutput(folder, files)));
  const written = performance.now();
  return {
    load: loaded - started,
    render: rendered - loaded,
    write: written - rendered,
    inMemory: rendered - started,
    total: written - started,
    files: files.size,
  };
}

/** Child mode: measure one size and print the figures as JSON, so each size has its own heap and peak RSS. */
async function measureSize(imageCount) {
  const text = syntheticManifest(imageCount);
  const templates = readTemplates(PROJECT_ROOT);
  const inputs = { schema: MANIFEST_SCHEMA, templates, layerKinds: layerKindsOf(templates) };
  const warmUp = await timePipeline(text, inputs);
  const runs = [];
  for (let run = 0; run < RUNS_PER_SIZE; run++) runs.push(await timePipeline(text, inputs));
  const figures = Object.fromEntries(['load', 'render', 'write', 'inMemory', 'total'].map((phase) => [phase, median(runs.map((r) => r[phase]))]));
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    JSON.stringify({ imageCount, manifestKiB: Buffer.byteLength(text) / 1024, files: runs[0].files, ...figures, firstInMemory: warmUp.inMemory, peakRssMiB }),
  );
}

function runNode(args) {
  const started = performance.now();
  const child = spawnSync(process.execPath, args, { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const wallMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${child.status ?? child.signal}:\n${child.stderr}`);
  return { wallMs, stdout: child.stdout };
}

// ---------------------------------------------------------------- report

const ms = (value) => `${value.toFixed(0)} ms`;
const pad = (cells, widths) => cells.map((cell, i) => String(cell).padStart(widths[i])).join('  ');
const verdict = (passed) => (passed ? 'PASS' : 'MISS');

async function main() {
  console.log(`mlrun-images generate benchmark: node ${process.version}, ${process.platform} ${process.arch}, ${cpus().length} CPU(s)`);
  console.log(
    `Synthetic manifests: groups of ${IMAGES_PER_GROUP} images (a root on a base, an \`extends\` variant, a 3-level \`from\` chain, 4 fan-out siblings, an image from the variant), 5 layers each.`,
  );
  console.log(
    `Each size runs in its own node process: 1 warm-up, then each figure is the median of ${RUNS_PER_SIZE} runs. Write = compareOutput + writeOutput into an empty temporary folder.`,
  );
  console.log('First run = the warm-up, in memory: cold JIT, schema and templates compiled for the first time, as in a CLI run.\n');

  const widths = [7, 10, 6, 24, 8, 8, 10, 8, 10, 10];
  console.log(pad(['images', 'manifest', 'files', 'parse+validate+resolve', 'render', 'write', 'in-memory', 'total', 'first run', 'peak RSS'], widths));
  const results = new Map();
  for (const size of SIZES) {
    const result = JSON.parse(runNode([fileURLToPath(import.meta.url), '--images', String(size)]).stdout);
    results.set(size, result);
    const { manifestKiB, files, load, render, write, inMemory, total, firstInMemory, peakRssMiB } = result;
    console.log(
      pad(
        [
          size.toLocaleString('en'),
          `${manifestKiB.toFixed(0)} KiB`,
          files,
          ms(load),
          ms(render),
          ms(write),
          ms(inMemory),
          ms(total),
          ms(firstInMemory),
          `${peakRssMiB.toFixed(0)} MiB`,
        ],
        widths,
      ),
    );
  }

  const cliArgs = (outDir) => ['bin/mlrun-images.js', 'generate', '--out', outDir];
  const cliMs = medianOfRuns(CLI_RUNS, () => withTemporaryFolder((outDir) => runNode(cliArgs(outDir)).wallMs));
  const bareNodeMs = medianOfRuns(CLI_RUNS, () => runNode(['-e', '']).wallMs);
  console.log(
    `\nCLI \`generate\` of images.yaml into a temporary folder: ${ms(cliMs)} wall (median of ${CLI_RUNS}); for scale, node doing nothing else: ${ms(bareNodeMs)}`,
  );

  const at1000 = results.get(1_000).inMemory;
  const at5000 = results.get(5_000).inMemory;
  console.log('\nTargets');
  console.log(`  ${verdict(at1000 <= TARGET_1000_MS)}  1,000 images in memory ≤ ${ms(TARGET_1000_MS)}: ${ms(at1000)}`);
  console.log(
    `  ${verdict(at5000 <= TARGET_SCALING * at1000)}  5,000 images ≤ ${TARGET_SCALING}× the 1,000 time (${ms(TARGET_SCALING * at1000)}): ${ms(at5000)} (${(at5000 / at1000).toFixed(1)}×)`,
  );
  console.log(`  ${verdict(cliMs <= TARGET_CLI_MS)}  CLI generate of images.yaml ≤ ${ms(TARGET_CLI_MS)} wall: ${ms(cliMs)}`);
}

const imagesArgument = process.argv.indexOf('--images');
if (imagesArgument === -1) await main();
else await measureSize(Number(process.argv[imagesArgument + 1]));
