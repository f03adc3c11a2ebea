/**
 * Runs a clean-up now and then every hour (never keeping the process alive for it); a failure is
 * logged and tried again at the next hour. Returns the function that stops it.
 */
export function sweepHourly(
  what: string,
  sweep: () => Promise<unknown>,
  log: { warn(message: string): void },
): () => void {
  const run = () => void sweep().catch((error: unknown) => log.warn(`could not delete ${what}: ${error}`));
  run();
  const timer = setInterval(run, 60 * 60 * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
