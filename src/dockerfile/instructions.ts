import { literalDockerfileValue } from './quote.js';

/** The ARG that holds a stage's base image: BASE_IMAGE for the image, <STAGE>_BASE_IMAGE for extra stages. */
export function baseArgName(stage?: string): string {
  return stage === undefined ? 'BASE_IMAGE' : `${stage.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_BASE_IMAGE`;
}

/**
 * The build's Dockerfile: the generated one plus one LABEL instruction with the OCI labels. One instruction, not
 * one `--label` flag each: the classic builder commits a layer per flag (about 0.15 s each).
 */
export function withLabels(dockerfile: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}=${literalDockerfileValue(value)}`);
  return pairs.length === 0 ? dockerfile : `${dockerfile}\n# Added by mlrun-images build.\nLABEL ${pairs.join(' \\\n      ')}\n`;
}
