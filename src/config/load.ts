import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

import { LineCounter, parseDocument, type Document } from 'yaml'
import { z } from 'zod'

import type { ConnectorDefinition } from '../../connectors/contract.js'
import { RuleError } from '../../connectors/contract.js'
import { CONNECTOR_DEFINITIONS } from '../../connectors/registry.js'
import { parseTemplate, type TemplatePart } from '../../connectors/template.js'
import { ConfigError } from '../errors.js'
import { interpolate, type MissingVariable } from './interpolate.js'
import {
  connectorCommonShape,
  DEFAULT_DEADLINE_MS,
  ruleWhen,
  topSchema,
  UNMAPPED_ATTRIBUTES,
  type FieldConfig,
  type SourceConfig,
  type TopConfig,
} from './schema.js'

type Path = readonly (string | number)[]

const commonSchema = z.object(connectorCommonShape)

/** A rule after loading: the inputs it needs and the connector's compiled form. */
export interface LoadedRule {
  readonly when: readonly string[]
  readonly compiled: unknown
}

/** One connector's settings after validation and compilation. */
export interface ConnectorSettings {
  readonly name: string
  readonly definition: ConnectorDefinition
  readonly options: Record<string, unknown>
  readonly rules: readonly LoadedRule[]
  /** HelpSpot name -> backend name; absent means backend names are HelpSpot names. */
  readonly map: Readonly<Record<string, string>> | undefined
  /** The backend names `map` asks for, each once. */
  readonly attributes: readonly string[]
  readonly html: readonly { readonly element: string; readonly parts: readonly TemplatePart[] }[]
  readonly timeoutMs: number
  /** Identical fingerprints mean identical settings, so a reload can keep the live connector. */
  readonly fingerprint: string
}

export interface SourceSettings extends SourceConfig {
  readonly name: string
}

export interface FieldSettings extends Omit<FieldConfig, 'rules'> {
  readonly name: string
  readonly rules: readonly LoadedRule[]
}

/** The whole validated configuration. */
export interface GatewayConfig extends Omit<TopConfig, 'connectors' | 'sources' | 'fields'> {
  readonly file: string
  readonly dir: string
  readonly connectors: ReadonlyMap<string, ConnectorSettings>
  readonly sources: ReadonlyMap<string, SourceSettings>
  readonly fields: ReadonlyMap<string, FieldSettings>
}

export interface LoadOptions {
  readonly env?: NodeJS.ProcessEnv
  /** Extra connector types, beside the registry (used by tests and benchmarks). */
  readonly definitions?: readonly ConnectorDefinition[]
}

/** Reads, validates and compiles a config file. Throws one ConfigError listing every problem. */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<GatewayConfig> {
  const path = resolve(file)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`${path}: cannot read the config file`, undefined, { cause: error })
  }
  return parseConfig(text, path, options)
}

/** Validates config text as if read from `file`. */
export function parseConfig(text: string, file: string, options: LoadOptions = {}): GatewayConfig {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false })
  const problems = new Problems(file, doc, lines)

  for (const error of doc.errors) {
    const { line } = lines.linePos(error.pos[0])
    problems.add([], error.message.split('\n')[0] ?? 'invalid YAML', line)
  }
  problems.throwIfAny()

  const missing: MissingVariable[] = []
  const raw = interpolate(doc.toJS() ?? {}, options.env ?? process.env, missing)
  for (const { name, path } of missing)
    problems.add(path, `environment variable ${name} is not set`)
  problems.throwIfAny()

  const definitions = new Map(
    [...CONNECTOR_DEFINITIONS, ...(options.definitions ?? [])].map((d) => [d.type, d]),
  )
  const top = problems.parse(topSchema, raw, [])
  if (!top) {
    // Each connector is checked as well, so one run shows every problem of the file.
    checkConnectorsAlone(raw, definitions, problems)
    problems.throwIfAny()
  }

  const config = buildConfig(top!, file, definitions, problems)
  problems.throwIfAny()
  return config
}

function buildConfig(
  top: TopConfig,
  file: string,
  definitions: ReadonlyMap<string, ConnectorDefinition>,
  problems: Problems,
): GatewayConfig {
  const connectors = new Map<string, ConnectorSettings>()
  for (const [name, raw] of Object.entries(top.connectors)) {
    const settings = loadConnector(name, raw, definitions, top.server.deadline, problems)
    if (settings) connectors.set(name, settings)
  }

  const sources = new Map<string, SourceSettings>()
  for (const [name, source] of Object.entries(top.sources)) {
    source.connectors.forEach((connector, i) => {
      if (!(connector in top.connectors)) {
        problems.add(['sources', name, 'connectors', i], `no connector is named ${connector}`)
      }
    })
    sources.set(name, { ...source, name })
  }

  const fields = new Map<string, FieldSettings>()
  for (const [name, field] of Object.entries(top.fields)) {
    const connector = connectors.get(field.connector)
    if (!connector) {
      if (!(field.connector in top.connectors)) {
        problems.add(['fields', name, 'connector'], `no connector is named ${field.connector}`)
      }
      continue
    }
    const rules = compileRules(
      connector.definition,
      connector.options,
      field.rules,
      ['fields', name],
      problems,
    )
    fields.set(name, { ...field, name, rules })
  }

  if (sources.size === 0 && fields.size === 0) {
    problems.add([], 'define at least one source or field')
  }

  const { server, cache, cli, log } = top
  return { file, dir: dirname(file), server, cache, cli, log, connectors, sources, fields }
}

/** Validates the connectors of a config whose other parts are wrong, for their problems only. */
function checkConnectorsAlone(
  raw: unknown,
  definitions: ReadonlyMap<string, ConnectorDefinition>,
  problems: Problems,
): void {
  const connectors = isPlainObject(raw) ? raw.connectors : undefined
  if (!isPlainObject(connectors)) return
  for (const [name, connector] of Object.entries(connectors)) {
    if (!isPlainObject(connector)) continue
    loadConnector(name, connector, definitions, DEFAULT_DEADLINE_MS, problems)
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function loadConnector(
  name: string,
  raw: Record<string, unknown>,
  definitions: ReadonlyMap<string, ConnectorDefinition>,
  deadline: number,
  problems: Problems,
): ConnectorSettings | undefined {
  const at = ['connectors', name]
  const definition = typeof raw.type === 'string' ? definitions.get(raw.type) : undefined
  if (!definition) {
    const known = [...definitions.keys()].join(', ')
    problems.add([...at, 'type'], `expected one of: ${known}`)
    return undefined
  }

  const commonKeys = Object.keys(connectorCommonShape)
  const own = Object.fromEntries(Object.entries(raw).filter(([key]) => !commonKeys.includes(key)))
  const common = problems.parse(commonSchema, raw, at)
  const options = problems.parse(definition.options.strict(), own, at) as
    Record<string, unknown> | undefined
  if (!common || !options) return undefined

  return {
    name,
    definition,
    options,
    rules: compileRules(definition, options, common.rules, at, problems),
    map: common.map,
    attributes: common.map ? [...new Set(Object.values(common.map))] : UNMAPPED_ATTRIBUTES,
    html: Object.entries(common.html).map(([element, template]) => ({
      element,
      parts: parseTemplate(template),
    })),
    timeoutMs: Math.min(common.timeout ?? deadline, deadline),
    fingerprint: JSON.stringify(raw),
  }
}

function compileRules(
  definition: ConnectorDefinition,
  options: Record<string, unknown>,
  rules: readonly Record<string, unknown>[],
  at: Path,
  problems: Problems,
): LoadedRule[] {
  const schema = ruleWhen.extend(definition.rule.shape).strict()
  const loaded: LoadedRule[] = []

  rules.forEach((raw, i) => {
    const path = [...at, 'rules', i]
    const rule = problems.parse(schema, raw, path)
    if (!rule) return
    try {
      const when = rule.when as string[]
      loaded.push({ when, compiled: definition.compile(rule as never, options as never) })
    } catch (error) {
      if (!(error instanceof RuleError)) throw error
      problems.add(error.key ? [...path, ...error.key.split('.')] : path, error.message)
    }
  })

  return loaded
}

/** Collects problems with their line numbers, so one run reports all of them. */
class Problems {
  private readonly list: string[] = []

  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  add(path: Path, message: string, line = this.lineOf(path)): void {
    const where = path.length ? `${path.join('.')}: ` : ''
    this.list.push(`${this.file}:${line}: ${where}${message}`)
  }

  parse<T extends z.ZodType>(schema: T, value: unknown, at: Path): z.output<T> | undefined {
    const result = schema.safeParse(value, { reportInput: true })
    if (result.success) return result.data
    for (const issue of result.error.issues) {
      const path = [...at, ...(issue.path as (string | number)[])]
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) this.add([...path, key], 'unknown key')
      } else {
        this.add(path, describeIssue(issue))
      }
    }
    return undefined
  }

  throwIfAny(): void {
    if (this.list.length === 0) return
    const summary =
      this.list.length === 1
        ? this.list[0]!
        : `${this.list.length} problems in the config:\n${this.list.join('\n')}`
    throw new ConfigError(summary, this.list)
  }

  /** The line of the deepest node of `path` that exists in the YAML. */
  private lineOf(path: Path): number {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.doc.getIn(path.slice(0, depth), true) as
        { range?: [number, number, number] } | undefined
      if (node?.range) return this.lines.linePos(node.range[0]).line
    }
    return 1
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const missing = issue.input === undefined
  if (missing && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
    return 'is required'
  }
  if (issue.code === 'invalid_type') {
    return `expected ${YAML_KINDS[issue.expected] ?? issue.expected}, got ${kindOf(issue.input)}`
  }
  return issue.message
}

/** zod's type names as a YAML file shows them. */
const YAML_KINDS: Readonly<Record<string, string>> = {
  array: 'a list',
  object: 'a mapping of keys',
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
}

function kindOf(value: unknown): string {
  if (value === null) return 'an empty value'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping of keys'
  return YAML_KINDS[typeof value] ?? typeof value
}
