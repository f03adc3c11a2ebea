import type { ResourceUsage } from '../supervisor/control.js';

/** The limits the engine holds a container to, as it reports them; null: none. */
export interface EngineLimits {
  memoryBytes: number | null;
  nanoCpus: number | null;
}

/** The fields of GET /containers/{id}/stats this needs (cgroup v1 and v2). */
export interface StatsSample {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
}

const MEBIBYTE = 1024 * 1024;

/**
 * Memory as `docker stats` counts it: usage without the inactive page cache (cgroup v1
 * `total_inactive_file`, v2 `inactive_file`). CPU: the container's CPU time over the host's between
 * two samples, times the host's CPUs.
 */
export function resourceUsage(
  sample: StatsSample,
  previous: StatsSample | null,
  limits: EngineLimits,
): ResourceUsage {
  const memory = sample.memory_stats ?? {};
  const cache = memory.stats?.total_inactive_file ?? memory.stats?.inactive_file ?? 0;
  const used = Math.max(0, (memory.usage ?? 0) - cache);
  return {
    cpu_cores: cpuCores(sample, previous),
    cpu_limit: limits.nanoCpus ? limits.nanoCpus / 1e9 : null,
    memory_mb: Math.round((used / MEBIBYTE) * 10) / 10,
    memory_limit_mb: limits.memoryBytes ? Math.round(limits.memoryBytes / MEBIBYTE) : null,
  };
}

function cpuCores(sample: StatsSample, previous: StatsSample | null): number | null {
  const now = sample.cpu_stats;
  const before = previous?.cpu_stats;
  if (!now?.cpu_usage?.total_usage || !before?.cpu_usage?.total_usage) return null;
  const used = now.cpu_usage.total_usage - before.cpu_usage.total_usage;
  const system = (now.system_cpu_usage ?? 0) - (before.system_cpu_usage ?? 0);
  if (system <= 0 || used < 0) return null;
  return Math.round((used / system) * (now.online_cpus ?? 1) * 100) / 100;
}
