import type { LookupInput } from '../../connectors/contract.js'
import type { LoadedRule } from '../config/load.js'
import { RequestError } from '../errors.js'

/** The longest value a rule may search with. */
export const MAX_SEARCH_VALUE = 256

/**
 * The first rule whose inputs are all present, or undefined: no rule, no search, so an empty
 * lookup can never return a whole directory. A value the chosen rule would search with that is
 * over MAX_SEARCH_VALUE characters is the caller's mistake, reported by the name the caller
 * sent it under (`sentAs`: an AJAX field's term arrives as the calling field).
 */
export function chooseRule(
  rules: readonly LoadedRule[],
  input: LookupInput,
  sentAs: (name: string) => string = (name) => name,
): LoadedRule | undefined {
  const rule = rules.find((candidate) => candidate.when.every((name) => input[name] !== undefined))
  if (!rule) return undefined

  for (const name of rule.when) {
    const value = input[name]!
    // Characters, not UTF-16 units: a name in emoji or CJK extension letters counts as typed.
    if (value.length > MAX_SEARCH_VALUE && [...value].length > MAX_SEARCH_VALUE) {
      throw new RequestError(
        400,
        'value_too_long',
        `${sentAs(name)} is longer than ${MAX_SEARCH_VALUE} characters`,
      )
    }
  }
  return rule
}
