import { describe, expect, it } from 'vitest';
import { curveSvg, plotSeries, svgToPng } from '../../src/node/plots.ts';

describe('training curves', () => {
  it('renders loss and accuracy, train vs validation, to SVG and PNG', async () => {
    const h = { epoch: [0, 1, 2], history: { loss: [1, 0.6, 0.4], val_loss: [1.1, 0.8, 0.7], accuracy: [0.5, 0.7, 0.8], val_accuracy: [0.4, 0.6, 0.7], lr: [1, 1, 1] } };
    expect(plotSeries(h)).toEqual(['loss', 'accuracy']);
    const svg = await curveSvg(h, 'loss');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('validation');
    const png = svgToPng(svg);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
  });
});
