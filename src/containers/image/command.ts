import type { Config } from '../../config/config.js';
import { describeDockerHost } from '../../config/runtime.js';
import { connectEngine, engineMessage } from '../engine.js';
import { buildImage, ImageBuildError } from './build.js';

export interface ImageCommandOptions {
  simulator: boolean;
  mirror?: string;
  cache?: string;
}

export const imageUsage = 'usage: l4d2web image build [--simulator] [--mirror URL] [--cache DIR]';

/** `l4d2web image build`: makes SRCDS_IMAGE in the engine at DOCKER_HOST; returns the exit code. */
export async function imageCommand(
  config: Config,
  args: readonly string[],
  options: ImageCommandOptions,
): Promise<number> {
  if (args.length !== 1 || args[0] !== 'build') {
    process.stderr.write(`${imageUsage}\n`);
    return 2;
  }
  const docker = connectEngine(config.dockerHost);
  try {
    await docker.ping();
  } catch (error) {
    process.stderr.write(
      `image build: cannot reach the Docker engine at ${describeDockerHost(config.dockerHost)} (DOCKER_HOST): ${engineMessage(error)}\n`,
    );
    return 1;
  }
  try {
    const result = await buildImage({
      docker,
      image: config.srcdsImage,
      simulator: options.simulator,
      mirror: options.mirror,
      cacheDir: options.cache,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(
      `built ${result.image}${options.simulator ? " (with the srcds simulator's Node.js)" : ''}\n`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof ImageBuildError)) throw error;
    process.stderr.write(`image build: ${error.message}\n`);
    return 1;
  }
}
