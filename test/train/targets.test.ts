import { describe, expect, it } from 'vitest';
import { arrayData } from '../../src/train/fit.ts';
import { parseTargets, withTargets } from '../../src/train/targets.ts';

describe('regression targets from class labels', () => {
  const classes = ['a', 'b', 'c', 'd'];

  it('class-normal: one mean per class, per-sample noise, normalized, deterministic', () => {
    const fn = parseTargets('class-normal:50:20:5:3', classes);
    const values = Array.from({ length: 4000 }, (_, i) => fn(i % 4, i));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(sd).toBeGreaterThan(0.8);
    expect(sd).toBeLessThan(1.2);
    expect(fn(2, 17)).toBe(parseTargets('class-normal:50:20:5:3', classes)(2, 17));
    // Within a class the spread is the noise (5) over the total spread: well below 1.
    const c0 = values.filter((_, i) => i % 4 === 0);
    const m0 = c0.reduce((a, b) => a + b, 0) / c0.length;
    const sd0 = Math.sqrt(c0.reduce((a, b) => a + (b - m0) ** 2, 0) / c0.length);
    expect(sd0).toBeLessThan(0.6);
  });

  it('a JSON table gives one value per class, by name or index, and names a missing class', () => {
    expect(parseTargets('{"a":1,"b":2,"c":3,"d":4.5}', classes)(3, 0)).toBe(4.5);
    expect(parseTargets('[10,20,30,40]', classes)(1, 9)).toBe(20);
    expect(() => parseTargets('{"a":1}', classes)).toThrow(/class 'b'/);
    expect(() => parseTargets('prices.csv', classes)).toThrow(/class-normal/);
  });

  it('withTargets maps class-index targets of a source to values', async () => {
    const src = arrayData(Float32Array.from([1, 2, 3]), [3, 1], Float32Array.from([2, 0, 1]), [3, 1]);
    const reg = withTargets(src, (c, i) => c * 10 + i);
    const b = await reg.get([0, 2]);
    expect(Array.from(b.y)).toEqual([20, 12]);
    expect(reg.yShape).toEqual([1]);
  });
});
