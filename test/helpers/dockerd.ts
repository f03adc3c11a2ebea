/**
 * The tests' own Docker engine (src/containers/scratch-engine.ts) and the simulator image in it.
 * Where the machine cannot run an engine (not root, no dockerd), `skipWithoutEngine()` says why and
 * the tests skip, printing it.
 */
import {
  engineUnavailable,
  IMAGE_CACHE_DIR,
  initSwarm,
  type ScratchEngine,
  simulatorImage,
  startScratchEngine,
} from '../../src/containers/scratch-engine.js';

export type TestEngine = ScratchEngine;
export const startDockerd = startScratchEngine;
export { IMAGE_CACHE_DIR, initSwarm, simulatorImage };

/** Skips (with the reason printed) when the machine cannot run an engine. */
export function skipWithoutEngine(): boolean {
  const reason = engineUnavailable();
  if (reason) console.warn(`skipping the Docker engine tests: ${reason}`);
  return reason !== null;
}
