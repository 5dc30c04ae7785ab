import { asWritten, withBuildArgValues } from '../dockerfile/build-args.js';
import { rawTextProblem } from '../dockerfile/quote.js';
import { paramPath } from '../manifest/types.js';
import { type LayerKind, listParam } from './kind.js';
import { MOVING_REF } from './pins.js';

/** `run`: raw shell commands in one RUN. */
export const run: LayerKind = {
  name: 'run',
  schema: {
    description: 'Raw shell commands, run in one RUN, each must succeed.',
    properties: { commands: { $ref: '#/definitions/stringList' } },
    complete: { required: ['commands'] },
  },
  docs: { parameters: '`commands`', renders: 'one `RUN`, the commands joined with `&&`' },
  buildArgParameters: ['commands'],
  check(layer, { report }) {
    listParam(layer.params, 'commands').forEach((command, index) => {
      const problem = rawTextProblem(asWritten(command));
      if (problem) report([...paramPath(layer, 'commands'), index], `a run command ${problem}`);
    });
  },
  lint(layer, { values, report }) {
    listParam(layer.params, 'commands').forEach((command, index) => {
      const branch = MOVING_REF.exec(withBuildArgValues(command, values))?.slice(1).find(Boolean);
      if (branch)
        report('moving-ref', [...paramPath(layer, 'commands'), index], `this command fetches the branch \`${branch}\`, which moves: use a tag or a commit`);
    });
  },
};
