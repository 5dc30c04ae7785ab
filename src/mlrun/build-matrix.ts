/**
 * MLRun's build matrix (`.github/workflows/build-workflow-matrix.json` of an mlrun checkout): the images its CI builds,
 * each in a python, tagged `-pyXY` when `include-suffix` is set:
 * `[{"image-name": "mlrun", "python-version": "3.9", "include-suffix": "true"}, …]`.
 */
import type { PythonBuilds } from './pythons.js';

/** The matrix's image names are the Makefile's targets; these two build images of another name. */
const IMAGE_OF_TARGET: Readonly<Record<string, string>> = { api: 'mlrun-api', base: 'ml-base' };

export type BuildMatrix = { ok: true; pythons: Map<string, PythonBuilds> } | { ok: false; problem: string };

/**
 * The pythons of each image the matrix lists, by the family's image names. An image listed without a python (the
 * log collector) or with none unsuffixed is left out: the manifest decides for it.
 */
export function parseBuildMatrix(text: string): BuildMatrix {
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `it is not JSON (${(error as Error).message})` };
  }
  if (!Array.isArray(rows)) return { ok: false, problem: 'it is not a list of {"image-name", "python-version", "include-suffix"}' };
  const seen = new Map<string, { unsuffixed: string[]; suffixed: string[] }>();
  for (const [index, row] of rows.entries()) {
    const { 'image-name': target, 'python-version': python = '', 'include-suffix': suffix = '' } = (row ?? {}) as Record<string, unknown>;
    if (typeof target !== 'string' || typeof python !== 'string' || typeof suffix !== 'string') {
      return { ok: false, problem: `entry ${index + 1} is not {"image-name": string, "python-version": string, "include-suffix": string}` };
    }
    if (python === '') continue;
    const image = IMAGE_OF_TARGET[target] ?? target;
    const entry = seen.get(image) ?? { unsuffixed: [], suffixed: [] };
    (suffix === '' ? entry.unsuffixed : entry.suffixed).push(python);
    seen.set(image, entry);
  }
  const pythons = new Map<string, PythonBuilds>();
  for (const [image, { unsuffixed, suffixed }] of seen) {
    if (unsuffixed.length > 1) return { ok: false, problem: `it builds ${image} in ${unsuffixed.join(' and ')}, both without a tag suffix` };
    if (unsuffixed[0] !== undefined) pythons.set(image, { unsuffixed: unsuffixed[0], suffixed });
  }
  return { ok: true, pythons };
}
