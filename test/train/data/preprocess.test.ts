// Preprocessing vs hand-computed values: the keras.applications modes, bilinear resize with
// half-pixel centres (tf.image.resize), center crop, crop-or-pad, channel fixes; ImageNet labels.
import { describe, expect, it } from 'vitest';
import { normalize, resizeBilinear, toRGB, cropOrPad, centerCropToAspect, fitImage, preprocessImage, type Image } from '../../../src/train/data/preprocess.ts';
import { IMAGENET_LABELS, IMAGENET_LABELS_1001, imagenetLabelsFor, topK } from '../../../src/train/data/imagenet-labels.ts';

const close = (a: ArrayLike<number>, b: number[], d = 5) => {
  expect(a.length).toBe(b.length);
  b.forEach((v, i) => expect(a[i]).toBeCloseTo(v, d));
};

describe('preprocessing modes', () => {
  const px = [10, 20, 30, 255, 0, 128];
  it('inception / tf: [-1, 1]', () => {
    close(normalize(px, 'inception'), px.map((v) => v / 127.5 - 1));
    close(normalize(px, 'tf'), [10 / 127.5 - 1, 20 / 127.5 - 1, 30 / 127.5 - 1, 1, -1, 128 / 127.5 - 1]);
  });
  it('caffe: RGB -> BGR minus the BGR means', () => {
    close(normalize(px, 'caffe'), [30 - 103.939, 20 - 116.779, 10 - 123.68, 128 - 103.939, 0 - 116.779, 255 - 123.68], 4);
  });
  it('vgg (TF-slim): RGB minus 123.68/116.78/103.94', () => {
    close(normalize(px, 'vgg'), [10 - 123.68, 20 - 116.78, 30 - 103.94, 255 - 123.68, -116.78, 128 - 103.94], 4);
  });
  it('torch: /255 then ImageNet mean/std', () => {
    close(normalize(px, 'torch'), [(10 / 255 - 0.485) / 0.229, (20 / 255 - 0.456) / 0.224, (30 / 255 - 0.406) / 0.225, (1 - 0.485) / 0.229, (0 - 0.456) / 0.224, (128 / 255 - 0.406) / 0.225]);
  });
  it('none keeps values; unknown modes and non-RGB input are refused', () => {
    close(normalize(px, 'none'), px);
    expect(() => normalize(px, 'imagenet' as 'none')).toThrow(/unknown preprocessing mode 'imagenet'/);
    expect(() => normalize([1, 2], 'tf')).toThrow(/RGB/);
  });
});

describe('resizing and cropping', () => {
  const img = (w: number, h: number, c: number, data: number[]): Image => ({ width: w, height: h, channels: c, data: Float32Array.from(data) });
  it('bilinear with half-pixel centres, down and up (tf.image.resize values)', () => {
    close(resizeBilinear(img(4, 1, 1, [0, 10, 20, 30]), 2, 1).data, [5, 25]);
    close(resizeBilinear(img(2, 1, 1, [0, 10]), 4, 1).data, [0, 2.5, 7.5, 10]);
    // 2x2 -> 3x3: centres at -1/6, 1/2, 7/6 of the source grid, clamped.
    close(resizeBilinear(img(2, 2, 1, [0, 10, 20, 30]), 3, 3).data, [0, 5, 10, 10, 15, 20, 20, 25, 30]);
    // Channels stay separate.
    close(resizeBilinear(img(2, 1, 2, [0, 100, 10, 200]), 1, 1).data, [5, 150]);
  });
  it('grayscale, gray+alpha and RGBA become RGB', () => {
    expect([...toRGB({ width: 2, height: 1, channels: 1, data: Uint8Array.from([7, 9]) }).data]).toEqual([7, 7, 7, 9, 9, 9]);
    expect([...toRGB({ width: 1, height: 1, channels: 2, data: Uint8Array.from([7, 255]) }).data]).toEqual([7, 7, 7]);
    expect([...toRGB({ width: 1, height: 1, channels: 4, data: Uint8Array.from([1, 2, 3, 4]) }).data]).toEqual([1, 2, 3]);
  });
  it('crop-or-pad crops the centre or pads with zeros', () => {
    const a = img(4, 1, 1, [1, 2, 3, 4]);
    close(cropOrPad(a, 2, 1).data, [2, 3]);
    close(cropOrPad(img(2, 1, 1, [5, 6]), 4, 3).data, [0, 0, 0, 0, 0, 5, 6, 0, 0, 0, 0, 0]);
  });
  it('center crop keeps the largest central window of the target aspect', () => {
    const wide = img(6, 2, 1, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const c = centerCropToAspect(wide, 10, 10);
    expect([c.width, c.height]).toEqual([2, 2]);
    close(c.data, [3, 4, 9, 10]);
    const f = fitImage({ width: 6, height: 2, channels: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) }, 1, 1, 'center');
    close(f.data, [6.5, 6.5, 6.5]);
  });
  it('preprocessImage squashes by default and normalizes', () => {
    const rgb = { width: 2, height: 1, channels: 3, data: Uint8Array.from([0, 0, 0, 255, 255, 255]) };
    close(preprocessImage(rgb, { width: 1, height: 1, mode: 'tf' }), [0, 0, 0], 5);
    close(preprocessImage(rgb, { width: 2, height: 1, mode: 'tf' }), [-1, -1, -1, 1, 1, 1]);
  });
});

describe('ImageNet labels', () => {
  it('1000 classes in Keras order and the 1001 TF-slim variant', () => {
    expect(IMAGENET_LABELS.length).toBe(1000);
    expect(IMAGENET_LABELS[0]).toBe('tench');
    expect(IMAGENET_LABELS.slice(248, 251)).toEqual(['Eskimo dog', 'malamute', 'Siberian husky']);
    expect(IMAGENET_LABELS[999]).toBe('toilet tissue');
    expect(IMAGENET_LABELS_1001.length).toBe(1001);
    expect(IMAGENET_LABELS_1001[0]).toBe('background');
    expect(IMAGENET_LABELS_1001[250]).toBe('malamute');
    expect(imagenetLabelsFor(5)).toBeNull();
    const scores = new Float32Array(1000);
    scores[250] = 0.7;
    scores[3] = 0.2;
    expect(topK(scores, 2).map((t) => t.label)).toEqual(['Siberian husky', 'tiger shark']);
  });
});
