import { RuleError } from './contract.js'

/** How a placeholder binds its value. */
export type PlaceholderMatch = 'exact' | 'prefix' | 'contains'

export type TemplatePart =
  { readonly literal: string } | { readonly input: string; readonly match: PlaceholderMatch }

const PLACEHOLDER = /\{(%?)([A-Za-z][A-Za-z0-9_]*)(%?)\}/g

/**
 * Splits a query template into literal text and placeholders: `{x}` binds the value as it is,
 * `{x%}` a prefix pattern and `{%x%}` a contains pattern. The connector decides how each part
 * is bound; nothing here ever pastes a value into text.
 */
export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = []
  let last = 0

  for (const found of template.matchAll(PLACEHOLDER)) {
    const [whole, lead = '', input = '', trail = ''] = found
    if (lead && !trail)
      throw new RuleError(`placeholder ${whole} must be {%${input}%} or {${input}%}`)
    if (found.index > last) parts.push({ literal: template.slice(last, found.index) })
    parts.push({ input, match: lead ? 'contains' : trail ? 'prefix' : 'exact' })
    last = found.index + whole.length
  }
  if (last < template.length) parts.push({ literal: template.slice(last) })

  return parts
}

/** The placeholders of a parsed template, in order. */
export function placeholdersOf(
  parts: readonly TemplatePart[],
): { readonly input: string; readonly match: PlaceholderMatch }[] {
  return parts.filter((part): part is { input: string; match: PlaceholderMatch } => 'input' in part)
}

/**
 * Parses a template and checks that every placeholder names an input of the rule's `when`, so a
 * rule can never run with a missing value. `key` names the rule key for the error path.
 */
export function compileTemplate(
  template: string,
  when: readonly string[],
  key: string,
): TemplatePart[] {
  let parts: TemplatePart[]
  try {
    parts = parseTemplate(template)
  } catch (error) {
    throw new RuleError((error as Error).message, key)
  }

  if (!template.trim()) throw new RuleError('is empty', key)
  for (const { input } of placeholdersOf(parts)) {
    if (!when.includes(input)) {
      throw new RuleError(`placeholder {${input}} is not listed in the rule's when`, key)
    }
  }

  return parts
}

/**
 * Fills a template from values that are already safe for their context (HTML-escaped values
 * in an `html` block, for example). Missing inputs become empty.
 */
export function fillTemplate(
  parts: readonly TemplatePart[],
  value: (input: string) => string,
): string {
  let text = ''
  for (const part of parts) text += 'literal' in part ? part.literal : value(part.input)
  return text
}
