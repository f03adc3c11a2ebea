import { parseStringArray } from '../http/input.js';
import { argumentsProblems, configProblems } from '../launch/grammar.js';

/**
 * Today's rules applied to a blueprint already stored. A blueprint saved before the rules keeps its
 * row; its page lists what to change (blueprintProblems) and its servers do not start (launchRefusal).
 */

export interface BlueprintLists {
  arguments: string[];
  config: string[];
}

/** What the blueprint breaks, each naming the argument or line; empty when it is fine. */
export function blueprintProblems(blueprint: BlueprintLists): string[] {
  return [
    ...argumentsProblems(blueprint.arguments).map((problem) => `arguments: ${problem}`),
    ...configProblems(blueprint.config).map((problem) => `config: ${problem}`),
  ];
}

/** Why a server built from this stored blueprint (its JSON columns) may not start; null when it may. */
export function launchRefusal(stored: { arguments: string; config: string }): string | null {
  const args = parseStringArray(stored.arguments);
  const config = parseStringArray(stored.config);
  const problems = [
    ...(args ? [] : ['arguments: are not a list of strings']),
    ...(config ? [] : ['config: is not a list of strings']),
    ...blueprintProblems({ arguments: args ?? [], config: config ?? [] }),
  ];
  const [first] = problems;
  if (first === undefined) return null;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more on the blueprint's page)` : '';
  return `the blueprint needs a change: ${first}${more}`;
}
