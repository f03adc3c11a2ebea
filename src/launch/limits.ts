import { z } from 'zod';
import type { BodySource } from '../http/input.js';

/**
 * What a launch may carry for the container runtimes (design/runtimes.md): a blueprint's `cpu_limit`
 * (cores) and `memory_limit_mb`, a server's `node`, as input fields. In forms an empty field, in
 * JSON null, means none.
 */

export const CPU_LIMIT = { min: 0.1, max: 256 } as const;
export const MEMORY_LIMIT_MB = { min: 64, max: 1_048_576 } as const;

const cpuMessage = `must be a number of cores from ${CPU_LIMIT.min} to ${CPU_LIMIT.max} with at most two decimals (e.g. 1.5), or empty for no limit`;
const memoryMessage = `must be a whole number of MB from ${MEMORY_LIMIT_MB.min} to ${MEMORY_LIMIT_MB.max}, or empty for no limit`;

/** A limit: empty text or null is none; else digits (forms) or a number (JSON) within the range. */
function limitField(
  source: BodySource,
  pattern: RegExp,
  accept: (value: number) => boolean,
  message: string,
) {
  const text = z
    .string({ error: message })
    .trim()
    .transform((value, context) => {
      if (value === '') return null;
      if (!pattern.test(value) || !accept(Number(value))) {
        context.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return Number(value);
    });
  const number = z.number({ error: message }).refine(accept, message);
  return source === 'form' ? text : z.union([z.null(), number, text], { error: message });
}

const twoDecimals = (value: number) => Math.abs(Math.round(value * 100) - value * 100) < 1e-9;

export const cpuLimitField = (source: BodySource) =>
  limitField(
    source,
    /^\d{1,3}(\.\d{1,2})?$/,
    (cores) => cores >= CPU_LIMIT.min && cores <= CPU_LIMIT.max && twoDecimals(cores),
    cpuMessage,
  );

export const memoryLimitField = (source: BodySource) =>
  limitField(
    source,
    /^\d{1,7}$/,
    (mb) => Number.isInteger(mb) && mb >= MEMORY_LIMIT_MB.min && mb <= MEMORY_LIMIT_MB.max,
    memoryMessage,
  );

/** A swarm node label value (Docker's label grammar, kept to what a placement constraint reads plainly). */
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const nodeMessage =
  "must be the l4d2web.node label of swarm nodes: up to 63 letters, digits, '.', '_' or '-', or empty for any node";

export const nodeField = () =>
  z
    .string({ error: nodeMessage })
    .trim()
    .refine((value) => value === '' || NODE_NAME.test(value), nodeMessage);
