import { CONTROL_CHARACTER } from '../dockerfile/quote.js';
import type { Diagnostic } from '../errors.js';
import type { NodePath, ParsedManifest } from './load.js';

/** Manifest strings may never hold line breaks or other control characters: they would start new instructions. */
export function checkControlCharacters(manifest: ParsedManifest): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const walk = (value: unknown, path: NodePath): void => {
    if (typeof value === 'string') {
      if (CONTROL_CHARACTER.test(value)) {
        diagnostics.push({
          location: manifest.locate(path),
          message: 'line breaks and other control characters are not allowed in values; write one item per list entry',
        });
      }
    } else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(item, [...path, index]);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (CONTROL_CHARACTER.test(key))
          diagnostics.push({ location: manifest.locate([...path, key], 'key'), message: 'control characters are not allowed in keys' });
        walk(item, [...path, key]);
      }
    }
  };
  walk(manifest.data, []);
  return diagnostics;
}
