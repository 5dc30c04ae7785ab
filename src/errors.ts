/** A place in a source file, 1-based, as editors and compilers print it. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export interface Diagnostic {
  location: SourceLocation;
  message: string;
}

export function formatDiagnostic({ location, message }: Diagnostic): string {
  return `${location.file}:${location.line}:${location.col}: ${message}`;
}

/** Every error this tool raises on purpose; the CLI turns each into a message and an exit code. */
export class MlrunImagesError extends Error {
  readonly exitCode: number = 2;
  override name = 'MlrunImagesError';
}

/** An input file is invalid: every problem found, each at its place in the file. */
export class InputError extends MlrunImagesError {
  override name = 'InputError';
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
  }
}

/** The manifest (or a template it renders with) is invalid. */
export class ManifestError extends InputError {
  override name = 'ManifestError';
}

/** The command line asks for something that cannot be done as asked. */
export class UsageError extends MlrunImagesError {
  override name = 'UsageError';
}

/** `--check` found that what is on disk differs from what would be generated. */
export class StaleError extends MlrunImagesError {
  override readonly exitCode = 1;
  override name = 'StaleError';
}
