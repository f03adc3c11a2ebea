import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { Sparkline, sparklineGeometry } from '../../src/views/sparkline.js';

const now = 1_700_000_000_000;
const minute = 60_000;
const hour = 60 * minute;

describe('sparklineGeometry', () => {
  it('draws nothing, and says so, without samples in the last hour', () => {
    const geometry = sparklineGeometry([{ at: now - 2 * hour, players: 4 }], { now });
    expect(geometry).toMatchObject({ line: '', area: '', peak: null, latest: null, max: 1 });
    expect(geometry.label).toBe('No player data in the last hour');
  });

  it('is a step line across the hour, scaled to max players, held up to now', () => {
    const samples = [
      { at: now - hour, players: 0 },
      { at: now - 30 * minute, players: 2 },
      { at: now - 15 * minute, players: 4 },
    ];
    const geometry = sparklineGeometry(samples, { now, width: 120, height: 28, maxPlayers: 4 });
    // y: 28 - 2 - players / 4 * 24 -> 0 players at 26, 2 at 14, 4 at 2.
    expect(geometry.line).toBe('M0 26H60V14H90V2H120');
    expect(geometry.area).toBe('M0 26H60V14H90V2H120V26H0Z');
    expect(geometry).toMatchObject({ max: 4, peak: 4, latest: 4 });
    expect(geometry.label).toBe('Players over the last hour: peak 4, now 4');
  });

  it('sorts samples, skips repeats and keeps the scale at least as high as the peak', () => {
    const samples = [
      { at: now - 10 * minute, players: 6 },
      { at: now - 40 * minute, players: 1 },
      { at: now - 20 * minute, players: 1 },
    ];
    const geometry = sparklineGeometry(samples, { now, width: 60, height: 14, maxPlayers: 4 });
    expect(geometry.max).toBe(6);
    expect(geometry.line).toBe('M20 10.3H40H50V2H60');
    expect(geometry.latest).toBe(6);
  });

  it('ignores samples from the future, negative and non-finite counts', () => {
    const geometry = sparklineGeometry(
      [
        { at: now + minute, players: 9 },
        { at: now - minute, players: -3 },
        { at: now - minute, players: Number.NaN },
      ],
      { now, width: 60, height: 14 },
    );
    expect(geometry.peak).toBe(0);
    expect(geometry.max).toBe(1);
  });

  it('ends at the latest sample when told not to hold it (a stopped server)', () => {
    const geometry = sparklineGeometry([{ at: now - 30 * minute, players: 2 }], {
      now,
      width: 120,
      height: 28,
      maxPlayers: 4,
      holdLatest: false,
    });
    expect(geometry.line).toBe('M60 14');
  });

  it('honours a custom window', () => {
    const geometry = sparklineGeometry([{ at: now - 5 * minute, players: 1 }], {
      now,
      windowMs: 10 * minute,
      width: 100,
      height: 10,
    });
    expect(geometry.line).toBe('M50 2H100');
  });
});

describe('<Sparkline>', () => {
  it('renders an SVG image with a text alternative', () => {
    const html = renderToString(
      <Sparkline samples={[{ at: now - minute, players: 3 }]} now={now} maxPlayers={8} />,
    );
    expect(html).toMatch(
      /^<svg class="sparkline" width="120" height="28" viewBox="0 0 120 28" preserveAspectRatio="none" role="img"/,
    );
    expect(html).toContain('aria-label="Players over the last hour: peak 3, now 3"');
    expect(html).toContain('<title>Players over the last hour: peak 3, now 3</title>');
    expect(html).toContain('class="sparkline-line"');
  });

  it('renders only the baseline when there is nothing to draw', () => {
    const html = renderToString(<Sparkline samples={[]} now={now} />);
    expect(html).toContain('class="sparkline-base"');
    expect(html).not.toContain('sparkline-line');
  });
});
