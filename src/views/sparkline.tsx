/** A player count and when it was seen (ms since the epoch), as the supervisor keeps them. */
export interface Sample {
  at: number;
  players: number;
}

export interface SparklineOptions {
  /** The right edge of the chart, in ms since the epoch. */
  now: number;
  /** How far back the chart reaches (default: one hour). */
  windowMs?: number;
  width?: number;
  height?: number;
  /** The top of the scale; the chart never scales below this (e.g. the server's max players). */
  maxPlayers?: number;
  /** Draw the latest count on up to `now` (a running server still has it); default true. */
  holdLatest?: boolean;
}

export interface SparklineGeometry {
  width: number;
  height: number;
  /** SVG path data of the step line, '' when there is nothing to draw. */
  line: string;
  /** The same line closed down to the baseline, for a filled area; '' when there is nothing to draw. */
  area: string;
  /** The top of the scale. */
  max: number;
  /** The highest count in the window, or null without samples. */
  peak: number | null;
  /** The latest count in the window, or null without samples. */
  latest: number | null;
  /** What the chart says, for people who cannot see it. */
  label: string;
}

const HOUR_MS = 60 * 60 * 1000;
const PAD = 2;

const round = (value: number) => Math.round(value * 10) / 10;

/**
 * The geometry of a player-count sparkline: a step line (counts are whole numbers that hold until
 * the next sample) over the last `windowMs`, scaled to at least `maxPlayers`. A pure function.
 */
export function sparklineGeometry(samples: readonly Sample[], options: SparklineOptions): SparklineGeometry {
  const windowMs = options.windowMs ?? HOUR_MS;
  const width = options.width ?? 120;
  const height = options.height ?? 28;
  const start = options.now - windowMs;
  const inWindow = samples
    .filter((sample) => sample.at >= start && sample.at <= options.now && Number.isFinite(sample.players))
    .map((sample) => ({ at: sample.at, players: Math.max(0, sample.players) }))
    .sort((a, b) => a.at - b.at);
  const peak = inWindow.length ? Math.max(...inWindow.map((sample) => sample.players)) : null;
  const latest = inWindow.at(-1)?.players ?? null;
  const max = Math.max(1, options.maxPlayers ?? 0, peak ?? 0);
  const label =
    peak === null
      ? 'No player data in the last hour'
      : `Players over the last hour: peak ${peak}, now ${latest}`;
  if (inWindow.length === 0) return { width, height, line: '', area: '', max, peak, latest, label };

  const x = (at: number) => round(((at - start) / windowMs) * width);
  const y = (players: number) => round(height - PAD - (players / max) * (height - 2 * PAD));
  const [first, ...rest] = inWindow as [Sample, ...Sample[]];
  const parts = [`M${x(first.at)} ${y(first.players)}`];
  let previous = first;
  for (const sample of rest) {
    parts.push(`H${x(sample.at)}`);
    if (sample.players !== previous.players) parts.push(`V${y(sample.players)}`);
    previous = sample;
  }
  // The latest count holds until now while the server runs: draw it up to the right edge.
  if ((options.holdLatest ?? true) && x(previous.at) < width) parts.push(`H${width}`);
  const line = parts.join('');
  const baseline = round(height - PAD);
  const area = `${line}V${baseline}H${x(first.at)}Z`;
  return { width, height, line, area, max, peak, latest, label };
}

/** The sparkline as an inline SVG, drawn on the server. */
export function Sparkline(props: { samples: readonly Sample[]; class?: string } & SparklineOptions) {
  const geometry = sparklineGeometry(props.samples, props);
  return (
    <svg
      class={props.class ? `sparkline ${props.class}` : 'sparkline'}
      width={geometry.width}
      height={geometry.height}
      viewBox={`0 0 ${geometry.width} ${geometry.height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={geometry.label}
    >
      <title>{geometry.label}</title>
      <line
        class="sparkline-base"
        x1="0"
        x2={geometry.width}
        y1={geometry.height - PAD}
        y2={geometry.height - PAD}
      />
      {geometry.area && <path class="sparkline-area" d={geometry.area} />}
      {geometry.line && <path class="sparkline-line" d={geometry.line} />}
    </svg>
  );
}
