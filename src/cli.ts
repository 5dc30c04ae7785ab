/** The command line's entry point (bundled into dist/mlrun-images.js, run by bin/mlrun-images.js). */
export { type CliIo, main } from './cli/main.js';
