import type { Config } from '../../config/config.js';
import { describeDockerHost } from '../../config/runtime.js';
import { engineProblem, engineStatus, sharedEngine } from '../engine.js';
import { SIMULATOR_LABEL } from './recipe.js';

/** Why the demo's simulated servers cannot run in SRCDS_IMAGE (no engine, no image, no Node.js), or null. */
export async function simulatorImageProblem(config: Config): Promise<string | null> {
  const build = 'build it with "l4d2web image build --simulator" (as root)';
  try {
    const image = await sharedEngine(config.dockerHost).getImage(config.srcdsImage).inspect();
    if (image.Config?.Labels?.[SIMULATOR_LABEL] === 'true') return null;
    return `${config.srcdsImage} has no Node.js for the srcds simulator: ${build}`;
  } catch (error) {
    if (engineStatus(error) === 404) return `${config.srcdsImage} is not in the Docker engine: ${build}`;
    return `${engineProblem(error)} at ${describeDockerHost(config.dockerHost)}`;
  }
}
