import { expect, test } from 'vitest';
import { grouped } from '../../src/manifest/limits.js';

test.each([
  [0, '0'],
  [999, '999'],
  [1000, '1,000'],
  [100000, '100,000'],
  [1234567, '1,234,567'],
  [-1000, '-1,000'],
  [12345.5, '12,345.5'],
])('grouped(%d) is %s, as en-US writes it', (count, text) => {
  expect(grouped(count)).toBe(text);
  expect(grouped(count)).toBe(count.toLocaleString('en-US', { maximumFractionDigits: 20 }));
});
