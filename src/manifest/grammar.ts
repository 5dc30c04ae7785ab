import { posix } from 'node:path';

/** The shapes of manifest values that the schema cannot say: names, paths and users as a Dockerfile takes them. */

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
export const ABSOLUTE_PATH = /^\/[A-Za-z0-9._/@+-]*$/;
export const USER = /^(?:[A-Za-z0-9_][A-Za-z0-9_.-]*|\$[A-Za-z_][A-Za-z0-9_]*)(?::(?:[A-Za-z0-9_][A-Za-z0-9_.-]*|\$[A-Za-z_][A-Za-z0-9_]*))?$/;
export const STAGE_NAME = /^[a-z][a-z0-9_.-]*$/;
export const PYTHON_COMMAND = /^[A-Za-z0-9._/+-]+$/;

/** A relative path that stays inside the build context. */
export function isContextPath(path: string): boolean {
  return path !== '' && !path.startsWith('/') && !path.startsWith('-') && !path.split('/').includes('..');
}

/** A file of an image's build context (`context`, relative to the manifest's folder), as a path from the manifest's folder. */
export function contextFilePath(context: string | undefined, file: string): string {
  return posix.normalize(posix.join(context ?? '', file));
}
