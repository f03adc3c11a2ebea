import path from 'node:path';
import type { Config } from '../config/config.js';
import { simulatorImageProblem } from '../containers/image/check.js';
import { layOutSimulatedInstall } from '../simulator/install.js';
import { serve } from './serve.js';

/** The panel on a simulated install in $DATA_DIR/sim-srcds (unless SRCDS_DIR is set). */
export async function demo(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const srcdsDir = env.SRCDS_DIR ? config.srcdsDir : path.join(config.dataDir, 'sim-srcds');
  await layOutSimulatedInstall(srcdsDir);
  console.log(`simulated srcds install laid out in ${srcdsDir}`);
  // In containers, the simulator needs the image's Node.js: say so now rather than at every start.
  const problem = config.runtime === 'process' ? null : await simulatorImageProblem(config);
  if (problem) console.warn(`demo: ${problem}`);
  await serve({ ...config, srcdsDir });
}
