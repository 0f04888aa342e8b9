import { createHash, randomUUID } from 'node:crypto'

import type { LookupInput } from '../../connectors/contract.js'
import type { FieldSettings, LoadedRule, SourceSettings } from '../config/load.js'
import type { Gateway } from '../engine/gateway.js'
import { chooseRule } from '../engine/rules.js'

const SEPARATOR = '\u0000'

const fingerprints = new WeakMap<object, string>()

/**
 * A short hash of everything in the config that shapes a source's or a field's answer: its own
 * settings and those of its connectors. A changed config never reuses an old answer.
 */
function fingerprintOf(gateway: Gateway, target: SourceSettings | FieldSettings): string {
  let fingerprint = fingerprints.get(target)
  if (fingerprint === undefined) {
    const names = 'connectors' in target ? target.connectors : [target.connector]
    const connectors = names.map((name) => gateway.connectors.get(name)?.settings.fingerprint)
    fingerprint = createHash('sha256')
      .update(describe(target))
      .update(JSON.stringify(connectors))
      .digest('base64url')
      .slice(0, 16)
    fingerprints.set(target, fingerprint)
  }
  return fingerprint
}

/** The settings as text; a compiled rule that cannot be written out makes the entry private. */
function describe(target: SourceSettings | FieldSettings): string {
  try {
    return JSON.stringify(target)
  } catch {
    return `${target.name}:${randomUUID()}`
  }
}

/**
 * Appends the rule chosen from `rules` and the values it searches with. Only those values can
 * change what the connector returns, so lookups differing elsewhere share one entry.
 */
function appendRule(
  key: string,
  rules: readonly LoadedRule[],
  input: LookupInput,
): string | undefined {
  const rule = chooseRule(rules, input)
  if (!rule) return undefined
  let part = `${key}${SEPARATOR}${rules.indexOf(rule)}`
  for (const name of rule.when) part += `${SEPARATOR}${name}=${input[name]!}`
  return part
}

/**
 * The cache key of a Live Lookup or address book call, or undefined when no connector of the
 * source has a rule for the input (nothing is searched, so there is nothing to keep).
 */
export function sourceKey(
  gateway: Gateway,
  source: SourceSettings,
  input: LookupInput,
  addressBook: boolean,
): string | undefined {
  const fingerprint = fingerprintOf(gateway, source)
  const kind = addressBook ? 'b' : 'l'
  let key = `s${SEPARATOR}${source.name}${SEPARATOR}${fingerprint}${SEPARATOR}${kind}`
  let searched = false
  for (const name of source.connectors) {
    const rules = gateway.connectors.get(name)?.settings.rules ?? []
    const withRule = appendRule(`${key}${SEPARATOR}${name}`, rules, input)
    key = withRule ?? `${key}${SEPARATOR}${name}${SEPARATOR}-`
    searched ||= withRule !== undefined
  }
  return searched ? key : undefined
}

/** The cache key of an AJAX field call, or undefined when none of its rules applies. */
export function fieldKey(
  gateway: Gateway,
  field: FieldSettings,
  input: LookupInput,
): string | undefined {
  const key = `f${SEPARATOR}${field.name}${SEPARATOR}${fingerprintOf(gateway, field)}`
  return appendRule(key, field.rules, input)
}
