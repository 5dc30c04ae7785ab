import type { LayerKind } from './kind.js';

/** `user`: the user for the layers after it. */
export const user: LayerKind = {
  name: 'user',
  schema: {
    description: 'Switch the user for the layers after it (USER), e.g. root for system packages, then back.',
    properties: {
      name: {
        type: 'string',
        pattern: '^(?:[A-Za-z0-9_][A-Za-z0-9_.-]*|\\$[A-Za-z_][A-Za-z0-9_]*)(?::(?:[A-Za-z0-9_][A-Za-z0-9_.-]*|\\$[A-Za-z_][A-Za-z0-9_]*))?$',
      },
    },
    complete: { required: ['name'] },
  },
  docs: { parameters: '`name`', renders: '`USER`, for the layers after it (e.g. root for system packages, then back)' },
  buildArgParameters: [],
};
