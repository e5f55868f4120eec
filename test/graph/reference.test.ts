import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { erf64 } from './reference.js';

describe('float64 reference interpreter', () => {
  it('erf matches tabulated values to 1e-13', () => {
    // Values from Abramowitz & Stegun table 7.1 / mpmath.
    const table: [number, number][] = [[0.001, 0.0011283787909692363], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [2.9, 0.9999589021219005], [3.5, 0.9999992569016276], [-1, -0.8427007929497149]];
    for (const [x, expected] of table) assert.ok(Math.abs(erf64(x) - expected) < 1e-13, `erf(${x}) = ${erf64(x)}, expected ${expected}`);
  });
});
