import { readFileSync } from 'node:fs'

/** A `${NAME}` that could not be resolved, with where it was written. */
export interface MissingVariable {
  readonly name: string
  readonly path: readonly (string | number)[]
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g

/**
 * Replaces `${NAME}` in every string of a parsed config with the environment variable NAME, or
 * with the trimmed contents of the file named by NAME_FILE (Docker and Kubernetes secrets).
 * A `${NAME}` inside a URL's userinfo is percent-encoded, so a password may hold `@` or `/`.
 */
export function interpolate(
  value: unknown,
  env: NodeJS.ProcessEnv,
  missing: MissingVariable[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') return interpolateString(value, env, missing, path)
  if (Array.isArray(value))
    return value.map((item, i) => interpolate(item, env, missing, [...path, i]))
  if (value && typeof value === 'object') {
    const result: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      result[key] = interpolate(item, env, missing, [...path, key])
    }
    return result
  }
  return value
}

function interpolateString(
  text: string,
  env: NodeJS.ProcessEnv,
  missing: MissingVariable[],
  path: (string | number)[],
): string {
  const userinfoEnd = userinfoEndOf(text)

  return text.replace(VARIABLE, (whole, name: string, offset: number) => {
    const found = lookup(name, env)
    if (found === undefined) {
      missing.push({ name, path })
      return whole
    }
    return offset < userinfoEnd ? encodeURIComponent(found) : found
  })
}

/** The index of the `@` ending a URL's userinfo, or -1 when the text has none. */
function userinfoEndOf(text: string): number {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)
  if (!scheme) return -1
  const authorityEnd = text.slice(scheme[0].length).search(/[/?#]/)
  const authority =
    authorityEnd < 0
      ? text.slice(scheme[0].length)
      : text.slice(scheme[0].length, scheme[0].length + authorityEnd)
  const at = authority.lastIndexOf('@')
  return at < 0 ? -1 : scheme[0].length + at
}

function lookup(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const direct = env[name]
  if (direct !== undefined) return direct
  const file = env[`${name}_FILE`]
  if (file === undefined) return undefined
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    return undefined
  }
}
