import { z } from 'zod';

/** The runtimes' settings (design/runtimes.md): RUNTIME, DOCKER_HOST and SRCDS_IMAGE. */

/** The Engine API endpoint DOCKER_HOST names, in the form dockerode takes. */
export type EngineAddress = { socketPath: string } | { protocol: 'http'; host: string; port: number };

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/**
 * Parses DOCKER_HOST as the docker CLI writes it: `unix:///path/docker.sock` or `tcp://host:port`
 * (plain HTTP: an engine's TCP socket without TLS is as good as root on that host, so keep it on a
 * private network or use the unix socket). Returns null for anything else.
 */
export function parseDockerHost(value: string): EngineAddress | null {
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    return socketPath.startsWith('/') ? { socketPath } : null;
  }
  if (!value.startsWith('tcp://') || !URL.canParse(value)) return null;
  const url = new URL(value);
  const extra = url.username || url.password || url.search || url.hash || !['', '/'].includes(url.pathname);
  if (!url.hostname || extra) return null;
  return { protocol: 'http', host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 2375) };
}

export function describeDockerHost(address: EngineAddress): string {
  return 'socketPath' in address ? `unix://${address.socketPath}` : `tcp://${address.host}:${address.port}`;
}

/** `repo[:tag]` as the engine names images (a registry host may carry a port: `host:5000/a/b:tag`). */
export function parseImageName(name: string): { repo: string; tag: string } | null {
  const match =
    /^((?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?$/.exec(
      name,
    );
  if (!match?.[1]) return null;
  return { repo: match[1], tag: match[2] ?? 'latest' };
}

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
