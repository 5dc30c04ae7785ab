import { UsageError } from '../../errors.js';
import { type ResolveOptions, resolveImage } from '../../mlrun/resolve.js';
import { type Invocation, stringOption } from '../invocation.js';
import type { OptionName } from '../options.js';
import type { CliIo } from '../project.js';

const RESOLVE_OPTIONS: Record<keyof ResolveOptions, OptionName> = {
  imagesTag: 'images-tag',
  clientVersion: 'client-version',
  clientPythonVersion: 'client-python-version',
  serverVersion: 'server-version',
  imagesRegistry: 'images-registry',
  vendorImagesRegistry: 'vendor-images-registry',
  imagesToEnrichRegistry: 'images-to-enrich-registry',
};

/** `resolve IMAGE`: each option from its flag, else from the environment variable MLRun reads (empty means empty). */
export async function resolveCommand(invocation: Invocation, io: CliIo): Promise<number> {
  const { operands } = invocation;
  if (operands.length !== 1) throw new UsageError(`resolve takes one image, e.g. \`mlrun-images resolve mlrun/mlrun\`; got ${operands.length}`);
  const options: ResolveOptions = {};
  for (const [field, flag] of Object.entries(RESOLVE_OPTIONS) as [keyof ResolveOptions, OptionName][]) {
    const value = stringOption(invocation, flag);
    if (value !== undefined) options[field] = value;
  }
  io.stdout.write(`${resolveImage(operands[0]!, options)}\n`);
  return 0;
}
