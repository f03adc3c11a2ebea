import { describe, expect, it } from 'vitest';
import {
  FrameParser,
  isAfter,
  logText,
  parseLogLine,
  TimestampedLines,
} from '../../src/containers/log-frames.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('the Engine API log stream', () => {
  it('is split into frame payloads however the bytes arrive', () => {
    const bytes = Buffer.concat([frame(1, 'hello\n'), frame(2, 'Segmentation fault\n'), frame(1, 'é\n')]);
    for (const cut of [1, 3, 8, 9, 14, 20, bytes.length - 1]) {
      const parser = new FrameParser();
      const payloads = [...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut))];
      expect(payloads.map((p) => p.toString('utf8')).join('')).toBe('hello\nSegmentation fault\né\n');
    }
    expect(logText(bytes)).toBe('hello\nSegmentation fault\né\n');
  });

  it('gives whole lines with their times; a line cut between frames waits for its end', () => {
    const lines = new TimestampedLines();
    expect(lines.push(Buffer.from('2026-11-29T05:34:26.475269746Z Loading map "c1m1_'))).toEqual([]);
    expect(lines.push(Buffer.from('hotel"\r\n2026-11-29T05:34:26.5Z ready\n'))).toEqual([
      { time: '2026-11-29T05:34:26.475269746Z', text: 'Loading map "c1m1_hotel"' },
      { time: '2026-11-29T05:34:26.5Z', text: 'ready' },
    ]);
    expect(parseLogLine('no time here')).toEqual({ time: '', text: 'no time here' });
  });

  it('compares times whose fractions the engine trimmed', () => {
    expect(isAfter('2026-11-29T05:34:26.5Z', '2026-11-29T05:34:26.475269746Z')).toBe(true);
    expect(isAfter('2026-11-29T05:34:26.475269746Z', '2026-11-29T05:34:26.5Z')).toBe(false);
    expect(isAfter('2026-11-29T05:34:26Z', '2026-11-29T05:34:26.000000000Z')).toBe(false);
    expect(isAfter('2026-11-29T05:34:27Z', '2026-11-29T05:34:26.999Z')).toBe(true);
  });
});
