import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { integerAtLeast, number } from '../../src/cli/args.js';

/** The message a parser rejects `value` with (commander prints it after "argument 'value' is invalid."). */
function rejection(parse: (value: string) => unknown, value: string): string {
  try {
    parse(value);
  } catch (error) {
    assert.ok(error instanceof InvalidArgumentError, `${value}: ${String(error)}`);
    return error.message;
  }
  assert.fail(`'${value}' was accepted`);
}

test('integerAtLeast takes plain digits at or above its minimum', () => {
  const parse = integerAtLeast(1);
  assert.equal(parse('1'), 1);
  assert.equal(parse(' 30522 '), 30522);
  for (const value of ['0', '-1', '1.5', '2.0', '1e3', '0x10', '', 'lots', '9007199254740993']) {
    assert.equal(rejection(parse, value), 'must be an integer ≥ 1', value);
  }
  assert.equal(integerAtLeast(0)('0'), 0);
});

test('number states its bounds as a person writes them, never [0, Infinity] or [5e-324, Infinity]', () => {
  const cases: [Parameters<typeof number>[0], string][] = [
    [{ min: 0 }, 'must be a number ≥ 0'],
    [{ above: 0 }, 'must be a number > 0'],
    [{ min: 0, max: 1 }, 'must be a number in [0, 1]'],
    [{ above: 0, max: 1 }, 'must be a number in (0, 1]'],
    [{ max: 1 }, 'must be a number ≤ 1'],
  ];
  for (const [bounds, message] of cases) assert.equal(rejection(number(bounds), 'x'), message);
});

test('number accepts finite numbers within the bounds, a bound included only where it says so', () => {
  assert.equal(number({ min: 0 })('0'), 0);
  assert.equal(number({ min: 0 })('1e-4'), 1e-4);
  assert.equal(rejection(number({ above: 0 }), '0'), 'must be a number > 0');
  assert.equal(number({ above: 0 })('5e-324'), 5e-324);
  assert.equal(number({ min: 0, max: 1 })('1'), 1);
  assert.equal(rejection(number({ min: 0, max: 1 }), '1.01'), 'must be a number in [0, 1]');
  assert.equal(rejection(number({ above: 0, max: 1 }), '0'), 'must be a number in (0, 1]');
  for (const value of ['', ' ', 'Infinity', 'NaN', '-1']) assert.equal(rejection(number({ min: 0 }), value), 'must be a number ≥ 0', value);
});
