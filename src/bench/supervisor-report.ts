import { defaultSupervisorOptions } from '../supervisor/supervisor.js';
import type { SupervisorBenchOptions, SupervisorFigures } from './supervisor.js';

/** Nearest-rank percentile (p in 0..100) of the samples. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const ms = (value: number) => value.toFixed(0);

/** The supervisor figures as markdown, like the HTTP table. */
export function supervisorReport(figures: SupervisorFigures, options: SupervisorBenchOptions): string[] {
  const d = defaultSupervisorOptions;
  const row = (name: string, samples: number[], aim: string) =>
    `| ${name} | ${samples.length} | ${ms(percentile(samples, 50))} | ${ms(percentile(samples, 95))} | ${aim} |`;
  const added = percentile(figures.startPanelMs, 50) - percentile(figures.startBaselineMs, 50);
  const { idle } = figures;
  return [
    '| measure | n | median ms | p95 ms | aim |',
    '|---|---|---|---|---|',
    row('start → running via the panel (POST start → SSE state `running`)', figures.startPanelMs, ''),
    row(
      'start → A2S answer, simulator alone (baseline, same argv, cfg and instance, built beforehand)',
      figures.startBaselineMs,
      '',
    ),
    `| **added by the panel** (median − median) | | ${ms(added)} | | < 100 |`,
    row(
      'crash (SIGKILL of the game process) → panel notices (state leaves `running`)',
      figures.crashNoticeMs,
      '< 1000',
    ),
    row('crash (SIGKILL) → `running` again', figures.crashRunningMs, ''),
    '',
    `Default supervisor options: A2S polls from 10 ms after launch, spaced out to every ` +
      `${d.a2sStartingIntervalMs} ms while starting; restart backoff ${d.backoffInitialMs} ms after a first ` +
      `crash, doubling per crash within ${d.crashWindowMs / 60_000} min (failed at ${d.crashLoopCount}). ` +
      'Each kill above is a different running server’s first crash, so the 1 s backoff applies. ' +
      `Load: at most one simulator during the starts; ${options.starts} running servers during the crashes.`,
    '',
    `| idle: ${idle.servers} running simulated servers, nobody watching | value | aim |`,
    '|---|---|---|',
    `| servers running at the end of the window | ${idle.runningAfter}/${idle.servers} | |`,
    `| first POST start → all running | ${(idle.allRunningMs / 1000).toFixed(1)} s | |`,
    `| panel CPU over ${options.cpuSeconds} s (utime+stime) | ${idle.cpuPercent.toFixed(2)} % of one core | < 2 % |`,
    `| panel RSS (VmRSS) at the end / peak sampled each second | ${idle.rssMb.toFixed(0)} / ${idle.peakRssMb.toFixed(0)} MB | < 150 MB |`,
    `| host load average (1 min) when the window opened | ${idle.loadAverage.toFixed(2)} | |`,
    `| all stopped through the API afterwards | ${idle.stoppedAll ? 'yes' : 'NO'} | |`,
    `| simulator processes left at the end (SIGKILLed by group) | ${figures.leftovers} | 0 |`,
  ];
}
