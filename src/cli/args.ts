/** Options of the command itself; every other `--name` is a HelpSpot field. */
const COMMAND_OPTIONS = new Set(['config', 'source', 'field', 'port', 'base'])

export interface ParsedArgs {
  readonly command: string | undefined
  /** `--config`, `--source`, `--field`, `--port`, `--base`. */
  readonly options: ReadonlyMap<string, string>
  /** HelpSpot 5.3 style `--customer_id=123`; a bare `--email` is an empty value. */
  readonly fields: ReadonlyMap<string, string>
  /** HelpSpot 5.2 style positional values. */
  readonly positional: readonly string[]
}

/**
 * Reads a `livelookup` command line. Command options take a value (`--opt value` or
 * `--opt=value`); any other `--name=value` is a field, a bare `--name` an empty one, so the
 * options newer HelpSpot versions add are accepted and simply not searched. The first argument
 * that is not an option, or a `--`, starts the positional values: a customer's name that looks
 * like `--config=...` stays a name.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const [command, ...rest] = argv
  const options = new Map<string, string>()
  const fields = new Map<string, string>()
  const positional: string[] = []

  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!
    if (arg === '--' || !arg.startsWith('--')) {
      // Values follow the options: from the first one on, even `--x` is a value, not an option.
      positional.push(...rest.slice(arg === '--' ? i + 1 : i))
      break
    }
    const equals = arg.indexOf('=')
    const name = arg.slice(2, equals < 0 ? undefined : equals)
    const inline = equals < 0 ? undefined : arg.slice(equals + 1)

    if (COMMAND_OPTIONS.has(name)) {
      const value = inline ?? rest[++i]
      if (value === undefined) throw new UsageError(`--${name} needs a value`)
      options.set(name, value)
    } else if (name) {
      fields.set(name, inline ?? '')
    }
  }
  return { command, options, fields, positional }
}

/** A command line that cannot be run. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/**
 * Names HelpSpot's positional values: the configured order of the core fields, then one
 * `Custom<N>` for each configured custom field id, in ascending id order.
 */
export function positionalParams(
  values: readonly string[],
  order: readonly string[],
  customFields: readonly number[],
): Map<string, string> {
  const names = [...order, ...[...customFields].sort((a, b) => a - b).map((id) => `Custom${id}`)]
  const params = new Map<string, string>()
  names.forEach((name, i) => params.set(name, values[i] ?? ''))
  return params
}
