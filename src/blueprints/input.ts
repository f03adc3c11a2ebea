import { z } from 'zod';
import { type BodySource, nameField, parseBody, stringListField } from '../http/input.js';

/** Options the panel sets itself on every launch line (DESIGN.md, Arguments). */
export const panelOwnedOptions = [
  '-game',
  '-port',
  '+port',
  '+hostport',
  '+clientport',
  '+tv_port',
  '-strictportbind',
  '-norestart',
  '-nohltv',
  '+rcon_password',
];

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const lineBreakOrNul = /[\r\n\u0000]/;
const printableAscii = /^[\x20-\x7e]*$/;

/** Why a list of launch arguments is refused, or null when it is fine. */
export function argumentsProblem(args: string[]): string | null {
  if (args.length > 64) return 'at most 64 arguments';
  for (const arg of args) {
    if (arg.length > 256) return `"${arg.slice(0, 40)}..." is longer than 256 characters`;
    if (lineBreakOrNul.test(arg)) return `${JSON.stringify(arg)} contains a line break or NUL`;
    // srcds_run re-splits its arguments on whitespace, so an option hidden after a space counts too.
    const option = arg
      .toLowerCase()
      .split(/\s+/)
      .find((word) => panelOwnedOptions.includes(word));
    if (option) return `"${option}" is set by the panel and cannot be given`;
  }
  return null;
}

/** Why a list of server.cfg lines is refused, or null when it is fine. */
export function configProblem(lines: string[]): string | null {
  if (lines.length > 1000) return 'at most 1000 lines';
  for (const [index, line] of lines.entries()) {
    const shown = `line ${index + 1} ${JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}...` : line)}`;
    if (line.length > 512) return `${shown} is longer than 512 characters`;
    if (!printableAscii.test(line)) return `${shown} must be printable ASCII on one line`;
    if (/rcon_password/i.test(line)) return `${shown} sets rcon_password, which the panel manages`;
  }
  return null;
}

export function blueprintSchema(source: BodySource) {
  return z.strictObject({
    name: nameField(128),
    arguments: stringListField(source).superRefine((args, context) => {
      const problem = argumentsProblem(args);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    }),
    config: stringListField(source).superRefine((lines, context) => {
      const problem = configProblem(lines);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    }),
  });
}

export type BlueprintInput = z.output<ReturnType<typeof blueprintSchema>>;

const schemas = {
  form: blueprintSchema('form'),
  json: blueprintSchema('json'),
};

/** A new blueprint: name required, arguments and config default to empty. */
export function parseNewBlueprint(body: unknown, source: BodySource): BlueprintInput {
  const input = parseBody(schemas[source].partial({ arguments: true, config: true }), body);
  return { arguments: [], config: [], ...input };
}

/** A change to a blueprint: any subset of the fields. */
export function parseBlueprintChange(body: unknown, source: BodySource): Partial<BlueprintInput> {
  return parseBody(schemas[source].partial(), body);
}
