import type { Filter } from 'ldapts'

import { RuleError } from '../contract.js'
import type { LookupInput } from '../contract.js'
import { compileTemplate, type TemplatePart } from '../template.js'
import { escapeFilterValue, FilterSyntaxError, parseFilter } from './filter.js'

/** A rule's filter template, checked when the config loads. */
export interface CompiledLdapRule {
  readonly filter: readonly TemplatePart[]
  /** The template as written, for logs. */
  readonly source: string
}

/** A value no attribute name can hold, so a placeholder outside a value fails the check. */
const PROBE_VALUE = 'probe value'

/**
 * Checks a filter template: it has a placeholder, every placeholder is one of `when`, and the
 * filter parses with them filled in. A placeholder in an attribute name or operator position
 * fails here.
 */
export function compileLdapRule(filter: string, when: readonly string[]): CompiledLdapRule {
  const parts = compileTemplate(filter, when, 'filter')
  if (!parts.some((part) => 'input' in part)) {
    throw new RuleError(
      'needs at least one {placeholder}, or every lookup would find the same entries',
      'filter',
    )
  }
  try {
    parseFilter(fill(parts, () => PROBE_VALUE))
  } catch (error) {
    if (!(error instanceof FilterSyntaxError)) throw error
    throw new RuleError(`is not a valid LDAP filter: ${error.message}`, 'filter')
  }
  return { filter: parts, source: filter }
}

/**
 * Builds the search filter for one lookup. Each value is escaped per RFC 4515 before it joins
 * the filter text, so only a `*` written in the template is a wildcard; `{x%}` adds a trailing
 * wildcard and `{%x%}` one on each side.
 */
export function bindLdapRule(rule: CompiledLdapRule, input: LookupInput): Filter {
  return parseFilter(fill(rule.filter, (name) => input[name] ?? ''))
}

/** The filter text with escaped values, as sent (for logs and tests). */
export function filterText(rule: CompiledLdapRule, input: LookupInput): string {
  return fill(rule.filter, (name) => input[name] ?? '')
}

function fill(parts: readonly TemplatePart[], value: (input: string) => string): string {
  let text = ''
  for (const part of parts) {
    if ('literal' in part) {
      text += part.literal
      continue
    }
    const escaped = escapeFilterValue(value(part.input))
    if (part.match === 'exact') text += escaped
    else if (part.match === 'prefix') text += `${escaped}*`
    else text += `*${escaped}*`
  }
  return text
}
