import { z } from 'zod';
import { DEFAULT_DOCKER_HOST, type EngineAddress, parseDockerHost } from './engine.js';
import { parseImageName } from './image/recipe.js';

export const runtimeKinds = ['process', 'docker', 'swarm'] as const;
export type RuntimeKind = (typeof runtimeKinds)[number];

export const DEFAULT_SRCDS_IMAGE = 'l4d2web/srcds:local';

/** How game servers run (design/runtimes.md): part of the Config. */
export interface RuntimeSettings {
  runtime: RuntimeKind;
  /** DOCKER_HOST: the Engine API, for the docker and swarm runtimes and `l4d2web image build`. */
  dockerHost: EngineAddress;
  /** SRCDS_IMAGE: the image every server's container runs. */
  srcdsImage: string;
}

/** The environment variables of the runtimes, as zod fields of the Config's environment schema. */
export const runtimeEnvironment = {
  RUNTIME: z.enum(runtimeKinds, { error: 'must be process, docker or swarm' }).default('process'),
  DOCKER_HOST: z
    .string()
    .refine(
      (value) => parseDockerHost(value) !== null,
      'must be unix:///path/to/docker.sock or tcp://host:port',
    )
    .default(DEFAULT_DOCKER_HOST),
  SRCDS_IMAGE: z
    .string()
    .refine((value) => parseImageName(value) !== null, 'must be an image name such as l4d2web/srcds:local')
    .default(DEFAULT_SRCDS_IMAGE),
};

export function runtimeSettings(values: {
  RUNTIME: RuntimeKind;
  DOCKER_HOST: string;
  SRCDS_IMAGE: string;
}): RuntimeSettings {
  return {
    runtime: values.RUNTIME,
    dockerHost: parseDockerHost(values.DOCKER_HOST) as EngineAddress,
    srcdsImage: values.SRCDS_IMAGE,
  };
}
