import type { Logger } from 'pino'
import type { z } from 'zod'

/**
 * The HelpSpot fields of one lookup by their HelpSpot names (`customer_id`, `email`, `Custom12`,
 * and `term` for AJAX fields), trimmed and decoded. An absent field is missing, never `''`.
 */
export type LookupInput = Readonly<Record<string, string>>

/**
 * One record as the backend names it: attribute, column or field path -> display string.
 * Connectors turn their native values (binary GUIDs, dates, decimals, NULL) into stable strings
 * here; an empty or missing value means "no value". The engine applies `map` afterwards.
 */
export type BackendRecord = Record<string, string>

/** What every rule has, whatever the connector: the inputs it needs. */
export interface RuleBase {
  /** HelpSpot inputs that must all be present (non-empty) for this rule to run. */
  readonly when: readonly string[]
}

/** One search, as the engine hands it to a connector. */
export interface SearchRequest<Compiled> {
  /** The rule chosen by the engine, compiled when the config loaded. */
  readonly rule: Compiled
  /** Every input of the lookup; the rule's `when` inputs are guaranteed present. */
  readonly input: LookupInput
  /** Backend names the caller needs (from `map`, an AJAX field's `value`/`description`). */
  readonly attributes: readonly string[]
  /** At most this many records. The connector enforces it even when its query has none. */
  readonly limit: number
  /**
   * Aborted when the lookup deadline or the connector's own timeout passes. A connector stops
   * its work and rejects with `ConnectorError('timeout', ...)` soon after.
   */
  readonly signal: AbortSignal
}

/** A live connector: built once per config, shared by every lookup. */
export interface Connector<Compiled = unknown> {
  /** Runs one search. Rejects only with `ConnectorError`. */
  search(request: SearchRequest<Compiled>): Promise<BackendRecord[]>
  /** Connects (and binds, logs in) to prove the connector works. Rejects with `ConnectorError`. */
  check(signal: AbortSignal): Promise<void>
  /** Releases pools, sockets and watchers. Safe to call twice. */
  close(): Promise<void>
  /**
   * True when `search` hands out the same record objects for the same rows every time and
   * never changes them (an in-memory address book). The engine then derives each record's
   * fields and XML once, instead of once per lookup.
   */
  readonly reusesRecords?: boolean
}

/** What a connector is given besides its own options. */
export interface ConnectorContext {
  /** The connector's name in the config (`directory`, `crm`). */
  readonly name: string
  /** A child logger bound to this connector. */
  readonly logger: Logger
  /** The folder of the config file: relative paths (`file:`, `ca:`, keys) resolve against it. */
  readonly configDir: string
  /** The connector's own timeout in milliseconds (its `timeout` key, else the deadline). */
  readonly timeoutMs: number
}

/**
 * A connector type: its config schema, its rule compiler and its factory. Adding a connector
 * means one folder exporting one of these and one line in `registry.ts`.
 */
export interface ConnectorDefinition<
  Options extends z.ZodRawShape = z.ZodRawShape,
  Rule extends z.ZodRawShape = z.ZodRawShape,
  Compiled = unknown,
> {
  /** The `type:` value in the config. */
  readonly type: string
  /** The connector's own keys, beside the common `type`, `rules`, `map`, `html`, `timeout`. */
  readonly options: z.ZodObject<Options>
  /** A rule's own keys, beside `when` (for example `filter`, `query`, `soql`, `match`). */
  readonly rule: z.ZodObject<Rule>
  /**
   * Checks and prepares one rule when the config loads: parse the filter, check placeholders.
   * Throws `RuleError` for a broken rule; the loader adds the file, line and path.
   */
  compile(
    rule: z.output<z.ZodObject<Rule>> & RuleBase,
    options: z.output<z.ZodObject<Options>>,
  ): Compiled
  /** Builds the connector. Must not connect: connections are made lazily, on first use. */
  create(options: z.output<z.ZodObject<Options>>, context: ConnectorContext): Connector<Compiled>
}

/** A rule that cannot work, found when the config loads. `key` names the rule's key at fault. */
export class RuleError extends Error {
  override readonly name = 'RuleError'

  constructor(
    message: string,
    readonly key?: string,
  ) {
    super(message)
  }
}

/** Declares a connector type with its types inferred. */
export function defineConnector<
  Options extends z.ZodRawShape,
  Rule extends z.ZodRawShape,
  Compiled,
>(
  definition: ConnectorDefinition<Options, Rule, Compiled>,
): ConnectorDefinition<Options, Rule, Compiled> {
  return definition
}
