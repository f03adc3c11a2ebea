import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { cpuLimitField, memoryLimitField, nodeField } from '../../src/launch/limits.js';

const parse = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value);
  return result.success ? { value: result.data } : { error: result.error.issues[0]?.message };
};

describe('cpu_limit', () => {
  it.each([
    ['form', '1.5', 1.5],
    ['form', ' 2 ', 2],
    ['form', '0.1', 0.1],
    ['form', '256', 256],
    ['form', '', null],
    ['json', 1.25, 1.25],
    ['json', null, null],
    ['json', '0.5', 0.5],
  ] as const)('takes %s %j as %j cores', (source, input, cores) => {
    expect(parse(cpuLimitField(source), input)).toEqual({ value: cores });
  });

  it.each([
    ['form', '0'],
    ['form', '0.05'],
    ['form', '257'],
    ['form', '1.555'],
    ['form', '-1'],
    ['form', '1e2'],
    ['form', 'two'],
    ['json', 0],
    ['json', 1.005],
    ['json', 1000],
    ['json', true],
    ['json', Number.NaN],
  ] as const)('refuses %s %j, saying what it takes', (source, input) => {
    expect(parse(cpuLimitField(source), input)).toEqual({
      error:
        'must be a number of cores from 0.1 to 256 with at most two decimals (e.g. 1.5), or empty for no limit',
    });
  });
});

describe('memory_limit_mb', () => {
  it.each([
    ['form', '512', 512],
    ['form', '', null],
    ['json', 64, 64],
    ['json', 1_048_576, 1_048_576],
    ['json', null, null],
  ] as const)('takes %s %j as %j MB', (source, input, mb) => {
    expect(parse(memoryLimitField(source), input)).toEqual({ value: mb });
  });

  it.each([
    ['form', '63'],
    ['form', '1048577'],
    ['form', '512.5'],
    ['form', '1 GB'],
    ['json', 512.5],
    ['json', 10_000_000],
    ['json', []],
  ] as const)('refuses %s %j', (source, input) => {
    expect(parse(memoryLimitField(source), input)).toEqual({
      error: 'must be a whole number of MB from 64 to 1048576, or empty for no limit',
    });
  });
});

describe('node', () => {
  it.each(['', 'eu-1', 'Rack_2.a', 'a'.repeat(63)])('takes %j', (name) => {
    expect(parse(nodeField(), name)).toEqual({ value: name });
  });

  it.each(['-eu', 'eu 1', 'eu==1', 'a'.repeat(64), 'node,x', 'ü', 7])('refuses %j', (name) => {
    expect(parse(nodeField(), name).error).toMatch(/^must be the l4d2web\.node label of swarm nodes/);
  });
});
