import { basename, relative } from 'node:path';
import { StaleError } from '../../errors.js';
import { renderFamily } from '../../pipeline.js';
import { checkOutputFolder, compareOutput, type OutputDifference, writeOutput } from '../files.js';
import { flagOption, type Invocation } from '../invocation.js';
import { type CliIo, loadProject, lockFor } from '../project.js';

async function unifiedDiff(outDir: string, differences: readonly OutputDifference[], cwd: string): Promise<string> {
  const { createTwoFilesPatch } = await import('diff');
  const shown = relative(cwd, outDir) || '.';
  return differences
    .map(({ path, before, after }) =>
      createTwoFilesPatch(
        before === undefined ? '/dev/null' : `a/${shown}/${path}`,
        after === undefined ? '/dev/null' : `b/${shown}/${path}`,
        before ?? '',
        after ?? '',
      ),
    )
    .join('');
}

/** `generate [--check]`: write generated/ (or, with --check, say how it differs from what would be written). */
export async function generateCommand(invocation: Invocation, io: CliIo): Promise<number> {
  const shown = relative(io.cwd, invocation.outDir) || '.';
  await checkOutputFolder(invocation.outDir, shown);
  const { family, templates } = loadProject(invocation, io, { checkout: false });
  const files = renderFamily(family, templates, lockFor(invocation, family)?.bases);
  const differences = await compareOutput(invocation.outDir, files);
  if (flagOption(invocation, 'check')) {
    if (differences.length === 0) {
      io.stdout.write(`${shown}/ is up to date (${family.order.length} images)\n`);
      return 0;
    }
    io.stdout.write(await unifiedDiff(invocation.outDir, differences, io.cwd));
    throw new StaleError(`${shown}/ is stale: ${differences.length} file(s) differ from ${basename(invocation.manifestPath)}; run \`npm run generate\``);
  }
  await writeOutput(invocation.outDir, differences, shown);
  io.stdout.write(`generated ${family.order.length} images into ${shown}/ (${differences.length} file(s) changed)\n`);
  return 0;
}
