import path from 'node:path';
import type { Config } from '../config/config.js';
import { simulatorImageProblem } from '../containers/image/check.js';
import { isInstalled } from '../install/installer.js';
import { layOutSimSteamcmd } from '../sim-steamcmd/install.js';
import { serve } from './serve.js';

/**
 * The panel on simulated Steam: the SteamCMD simulator laid out in $DATA_DIR/sim-steamcmd as STEAMCMD
 * (unless STEAMCMD is set), the game in $DATA_DIR/sim-srcds (unless SRCDS_DIR is set), installed by
 * an install job on the first start, as a new user would install the real one (design/install.md).
 */
export async function demo(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const srcdsDir = env.SRCDS_DIR ? config.srcdsDir : path.join(config.dataDir, 'sim-srcds');
  // In containers, the simulator needs the image's Node.js: say so now rather than at every start.
  const problem = config.runtime === 'process' ? null : await simulatorImageProblem(config);
  if (problem) console.warn(`demo: ${problem}`);
  const steamcmd = env.STEAMCMD
    ? config.steamcmd
    : await layOutSimSteamcmd(path.join(config.dataDir, 'sim-steamcmd'));
  console.log(`SteamCMD: ${steamcmd}`);
  const panel = await serve({ ...config, srcdsDir, steamcmd });
  if (!isInstalled(srcdsDir) && panel.supervising) {
    const job = await panel.installer.start();
    panel.app.log.info(
      `installing the game into ${srcdsDir} (job ${job.id}): follow it on ${panel.url}/install`,
    );
  }
}
