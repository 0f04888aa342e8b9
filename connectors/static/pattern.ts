import { RuleError } from '../contract.js'
import { compileTemplate, fillTemplate, type TemplatePart } from '../template.js'
import { fold } from './fold.js'

/** How a column value is compared with the filled pattern. */
export type MatchMode = 'exact' | 'prefix' | 'contains'

/** One `column: "pattern"` entry of a rule's `match`, ready to fill. */
export interface ColumnPattern {
  readonly column: string
  readonly parts: readonly TemplatePart[]
  readonly mode: MatchMode
}

/** A compiled static rule: every pattern must match the same row. */
export interface StaticRule {
  readonly patterns: readonly ColumnPattern[]
}

/**
 * Compiles a rule's `match`. A `*` written at the end of a pattern makes it a prefix match and
 * `*...*` a contains match; `{x%}` at the end and a lone `{%x%}` mean the same. Any other `*` is
 * refused, because it would be ambiguous. A `*` inside an input value is always literal text.
 */
export function compileMatch(
  match: Readonly<Record<string, string>>,
  when: readonly string[],
): StaticRule {
  const entries = Object.entries(match)
  if (entries.length === 0) throw new RuleError('needs at least one column: pattern entry', 'match')

  const patterns = entries.map(([column, template]) => compilePattern(column, template, when))
  if (!patterns.some((pattern) => pattern.parts.some((part) => 'input' in part))) {
    throw new RuleError(
      'needs at least one {placeholder}, or it would match the same rows for every lookup',
      'match',
    )
  }

  return { patterns }
}

function compilePattern(column: string, template: string, when: readonly string[]): ColumnPattern {
  const key = `match.${column}`
  if (!column.trim()) throw new RuleError('a column name is empty', 'match')
  const parts = [...compileTemplate(template, when, key)]

  const leading = stripWildcard(
    parts,
    0,
    (text) => text.startsWith('*'),
    (text) => text.slice(1),
  )
  const trailing = stripWildcard(
    parts,
    parts.length - 1,
    (text) => text.endsWith('*'),
    (text) => text.slice(0, -1),
  )
  if (parts.length === 0)
    throw new RuleError('is only a wildcard, which would match every row', key)
  let mode: MatchMode = leading ? 'contains' : trailing ? 'prefix' : 'exact'
  if (leading && !trailing)
    throw new RuleError('a leading * needs a trailing * too (*{x}* matches anywhere)', key)

  parts.forEach((part, at) => {
    if ('literal' in part && part.literal.includes('*')) {
      throw new RuleError('a * is a wildcard only at the end of a pattern, or at both ends', key)
    }
    if (!('input' in part) || part.match === 'exact') return
    if (part.match === 'prefix' && at === parts.length - 1 && mode !== 'contains') mode = 'prefix'
    else if (part.match === 'contains' && parts.length === 1) mode = 'contains'
    else
      throw new RuleError(
        `{${part.input}%} works only at the end of a pattern, {%${part.input}%} only alone`,
        key,
      )
  })

  return { column, parts, mode }
}

/** Removes a wildcard `*` from the literal at `at`, dropping the literal when nothing is left. */
function stripWildcard(
  parts: TemplatePart[],
  at: number,
  has: (text: string) => boolean,
  strip: (text: string) => string,
): boolean {
  const part = parts[at]
  if (!part || !('literal' in part) || !has(part.literal)) return false

  const rest = strip(part.literal)
  if (rest) parts[at] = { literal: rest }
  else parts.splice(at, 1)
  return true
}

/**
 * The folded text a pattern compares with, filled from the lookup's inputs; empty, so that it
 * matches nothing, when an input folds to nothing.
 */
export function needleOf(pattern: ColumnPattern, input: Readonly<Record<string, string>>): string {
  let empty = false
  const needle = fold(
    fillTemplate(pattern.parts, (name) => {
      const value = input[name] ?? ''
      // A value that folds to nothing (only accents, say) would leave just the literal text.
      if (fold(value) === '') empty = true
      return value
    }),
  )
  return empty ? '' : needle
}
