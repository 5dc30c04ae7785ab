import { didYouMean } from '../suggest.js';
import { ABSOLUTE_PATH, isContextPath, USER } from '../manifest/grammar.js';
import { paramPath } from '../manifest/types.js';
import { type LayerKind, listParam } from './kind.js';

/** `copy`: files from the build context, or from an earlier stage. */
export const copy: LayerKind = {
  name: 'copy',
  schema: {
    description: 'Copy files from the build context (or from an earlier stage) into the image.',
    properties: {
      src: { anyOf: [{ type: 'string' }, { $ref: '#/definitions/stringList' }] },
      dest: { type: 'string' },
      from: { type: 'string', description: 'A stage of this image to copy from.' },
      chown: { type: 'string' },
      chmod: { type: 'string', pattern: '^[0-7]{3,4}$' },
    },
    complete: { required: ['src', 'dest'] },
  },
  docs: { parameters: '`src` (path or list), `dest`, `from` (a stage), `chown`, `chmod`', renders: '`COPY`' },
  buildArgParameters: [],
  contextPaths(params) {
    if (params.from !== undefined) return [];
    return listParam(params, 'src').map((source) => source.replace(/\/+$/, ''));
  },
  check(layer, { image, stagesBefore, report }) {
    const { params } = layer;
    const from = params.from as string | undefined;
    if (from !== undefined && !stagesBefore.includes(from)) {
      report(paramPath(layer, 'from'), `copy from \`${from}\`: no such stage before this layer in image \`${image}\`${didYouMean(from, stagesBefore)}`);
    }
    listParam(params, 'src').forEach((src, index) => {
      const srcPath = Array.isArray(params.src) ? [...paramPath(layer, 'src'), index] : paramPath(layer, 'src');
      if (from === undefined && !isContextPath(src)) report(srcPath, `copy source \`${src}\` must be a path relative to the build context, without ..`);
      if (from !== undefined && !src.startsWith('/')) report(srcPath, `copy source \`${src}\` from stage \`${from}\` must be an absolute path in that stage`);
    });
    const dest = params.dest as string;
    if (!ABSOLUTE_PATH.test(dest)) report(paramPath(layer, 'dest'), `copy destination \`${dest}\` must be an absolute path`);
    if (params.chown !== undefined && !USER.test(String(params.chown)))
      report(paramPath(layer, 'chown'), `chown \`${String(params.chown)}\` must be USER or USER:GROUP`);
  },
};
