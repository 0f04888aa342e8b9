import type { Connector, LookupInput } from '../../connectors/contract.js'
import type {
  ConnectorSettings,
  FieldSettings,
  GatewayConfig,
  SourceSettings,
} from '../config/load.js'
import { LookupFailedError, RequestError } from '../errors.js'
import { printable } from '../params.js'
import type { AjaxOption } from '../render/xml.js'
import { HealthBook, type BreakerSettings } from './breaker.js'
import { mergeCustomers, rankCustomers, toCustomers, type Customer } from './customers.js'
import { deadlineAfter } from './deadline.js'
import { fanOut, failuresOf, type SearchJob, type SearchRun } from './fan-out.js'
import { chooseRule } from './rules.js'

/** A live connector and the settings it was built from. */
export interface LiveConnector {
  readonly settings: ConnectorSettings
  readonly connector: Connector
}

/** What a lookup found, with each connector's part for logs and metrics. */
export interface LookupAnswer<T> {
  readonly items: readonly T[]
  readonly runs: readonly SearchRun[]
}

/**
 * The lookup engine: picks each connector's rule, runs the connectors of a source side by side
 * under one deadline, and merges, ranks and limits what they return.
 */
export class Gateway {
  constructor(
    readonly config: GatewayConfig,
    readonly connectors: ReadonlyMap<string, LiveConnector>,
    /** Breakers and recent health; shared across reloads by the service. */
    readonly health: HealthBook = new HealthBook(breakerSettings(config)),
  ) {}

  /** The source served at `/livelookup/<name>`; the first one when no name is given. */
  source(name: string | undefined): SourceSettings {
    const source =
      name === undefined ? this.config.sources.values().next().value : this.config.sources.get(name)
    if (!source)
      throw new RequestError(
        404,
        'unknown_source',
        `no source is named ${name === undefined ? '(default)' : printable(name)}`,
      )
    return source
  }

  field(name: string): FieldSettings {
    const field = this.config.fields.get(name)
    if (!field) {
      throw new RequestError(404, 'unknown_field', `no AJAX field is named ${printable(name)}`)
    }
    return field
  }

  /**
   * Searches every connector of a source. Throws LookupFailedError when all that ran failed.
   * An address book call (`addressBook`) leaves out customers without an email before the
   * limit, so they never take the place of one HelpSpot can show.
   */
  async lookup(
    source: SourceSettings,
    input: LookupInput,
    addressBook = false,
    signal?: AbortSignal,
  ): Promise<LookupAnswer<Customer>> {
    const jobs = source.connectors.flatMap((name) => this.plan(name, input, source.limit))
    const runs = await this.fanOut(jobs, signal)
    this.throwIfAllFailed(source.name, runs)

    const found: Customer[] = []
    runs.forEach((run, i) => {
      if (!run.ok) return
      const job = jobs[i]!
      const { settings, connector } = this.live(job.connector)
      const rank = source.connectors.indexOf(job.connector)
      const reused = connector.reusesRecords === true
      found.push(...toCustomers(run.records, settings, rank, input, job.when, reused))
    })

    const merged = mergeCustomers(found, source.mergeBy)
    const shown = addressBook ? merged.filter((customer) => customer.fields.email) : merged
    return { items: rankCustomers(shown).slice(0, source.limit), runs }
  }

  /** Searches an AJAX field's connector with its own rules. */
  async ajax(
    field: FieldSettings,
    input: LookupInput,
    signal?: AbortSignal,
  ): Promise<LookupAnswer<AjaxOption>> {
    const calling = input.callingField
    const sentAs = (name: string) => (name === 'term' && calling ? printable(calling) : name)
    const rule = chooseRule(field.rules, input, sentAs)
    if (!rule) return { items: [], runs: [] }

    const live = this.live(field.connector)
    const job: SearchJob = {
      connector: field.connector,
      live: live.connector,
      rule: rule.compiled,
      when: rule.when,
      input,
      attributes: [field.value, field.description],
      limit: field.limit,
      timeoutMs: live.settings.timeoutMs,
      health: this.health.of(live.connector, field.connector),
    }
    const runs = await this.fanOut([job], signal)
    this.throwIfAllFailed(field.name, runs)

    const [run] = runs
    const records = run?.ok ? run.records : []
    const options = records
      .map((record) => ({
        value: record[field.value] ?? '',
        description: record[field.description] ?? '',
      }))
      .filter((option) => option.value !== '' && option.value !== '0')
    return { items: options, runs }
  }

  /** Runs the jobs under the configured deadline, or sooner when `signal` aborts. */
  private async fanOut(jobs: readonly SearchJob[], signal?: AbortSignal): Promise<SearchRun[]> {
    if (jobs.length === 0) return []
    const deadline = deadlineAfter(this.config.server.deadline, signal)
    try {
      return await fanOut(jobs, deadline.signal)
    } finally {
      deadline.release()
    }
  }

  private plan(name: string, input: LookupInput, limit: number): SearchJob[] {
    const live = this.live(name)
    const rule = chooseRule(live.settings.rules, input)
    if (!rule) return []
    const { attributes } = live.settings
    const { timeoutMs } = live.settings
    const health = this.health.of(live.connector, name)
    return [
      {
        connector: name,
        live: live.connector,
        rule: rule.compiled,
        when: rule.when,
        input,
        attributes,
        limit,
        timeoutMs,
        health,
      },
    ]
  }

  private live(name: string): LiveConnector {
    const live = this.connectors.get(name)
    if (!live) throw new Error(`connector ${name} is not running`)
    return live
  }

  private throwIfAllFailed(target: string, runs: readonly SearchRun[]): void {
    if (runs.length === 0 || runs.some((run) => run.ok)) return
    throw new LookupFailedError(target, failuresOf(runs), runs)
  }
}

/** The breaker settings of a config, in the form the breakers read them. */
export function breakerSettings(config: GatewayConfig): BreakerSettings {
  return { failures: config.server.breaker.failures, coolDownMs: config.server.breaker.coolDown }
}
