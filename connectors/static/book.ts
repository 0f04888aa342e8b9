import type { BackendRecord, LookupInput } from '../contract.js'
import { firstRows } from './file-order.js'
import { needleOf, type StaticRule } from './pattern.js'
import {
  buildColumnIndex,
  columnFinder,
  select,
  selector,
  selects,
  type ColumnIndex,
  type Table,
} from './table.js'

/** One pattern of a rule, bound to a lookup's inputs and to its column's index. */
interface BoundPattern {
  readonly index: ColumnIndex
  readonly mode: 'exact' | 'prefix' | 'contains'
  readonly needle: string
}

/**
 * How many records of one attribute list are kept. The engine keeps what it derives from a
 * record (fields, XML) for as long as the record lives, so this also bounds that memory.
 */
const RECORDS_KEPT = 20_000

interface RecordView {
  readonly wanted: readonly (readonly [string, number | undefined])[]
  /** By row id, for the rows found most recently; the oldest is dropped first. */
  readonly records: Map<number, BackendRecord>
}

/**
 * A loaded address book: its rows and the indexes of the columns rules have searched. A column
 * is indexed the first time a rule uses it; the index is kept until the file is reloaded.
 */
export class Book {
  readonly #table: Table
  readonly #find: (name: string) => number | undefined
  readonly #indexes = new Map<number, ColumnIndex>()
  readonly #unknown: (column: string) => void
  readonly #reported = new Set<string>()
  /** Per attribute list: where each attribute's column is, and the records made so far. */
  readonly #views = new WeakMap<readonly string[], RecordView>()

  /** `unknown` hears once about each column a rule names but the file lacks. */
  constructor(
    table: Table,
    readonly signature: string,
    unknown: (column: string) => void,
  ) {
    this.#table = table
    this.#find = columnFinder(table.columns)
    this.#unknown = unknown
  }

  get size(): number {
    return this.#table.rows.length
  }

  get columns(): readonly string[] {
    return this.#table.columns
  }

  get raggedRows(): number {
    return this.#table.raggedRows
  }

  /** Names of the columns indexed so far, so a reloaded file can index them at once. */
  indexedColumns(): string[] {
    return [...this.#indexes.keys()].map((at) => this.#table.columns[at]!)
  }

  /** Indexes the named columns now rather than on the next lookup. */
  warm(columns: readonly string[]): void {
    for (const column of columns) this.#indexOf(column)
  }

  /**
   * Runs one rule: the rows matching every pattern, at most `limit`. Rows whose values equal
   * the searched values come first, so a wide prefix cannot crowd out the exact match the
   * gateway ranks first; then the rest, each part in file order.
   */
  search(
    rule: StaticRule,
    input: LookupInput,
    attributes: readonly string[],
    limit: number,
  ): BackendRecord[] {
    const bound = this.#bind(rule, input)
    if (!bound || limit <= 0) return []

    const whole = bound.map((pattern) => ({ ...pattern, mode: 'exact' as const }))
    const rows = matchingRows(whole, limit)
    if (rows.length < limit && bound.some((pattern) => pattern.mode !== 'exact')) {
      const first = new Set(rows)
      for (const row of matchingRows(bound, limit + rows.length)) {
        if (rows.length === limit) break
        if (!first.has(row)) rows.push(row)
      }
    }

    const view = this.#viewOf(attributes)
    return rows.map((id) => {
      let record = view.records.get(id)
      if (!record) {
        if (view.records.size >= RECORDS_KEPT)
          view.records.delete(view.records.keys().next().value!)
        view.records.set(id, (record = this.#record(id, view.wanted)))
      }
      return record
    })
  }

  /**
   * The records of one attribute list. Callers pass the same list for every lookup (it comes
   * from the config), so a row's record is built once and handed out, frozen, while it is kept.
   */
  #viewOf(attributes: readonly string[]): RecordView {
    let view = this.#views.get(attributes)
    if (!view) {
      const wanted = attributes.map((attribute) => [attribute, this.#find(attribute)] as const)
      view = { wanted, records: new Map() }
      this.#views.set(attributes, view)
    }
    return view
  }

  /** Fills each pattern; undefined when a pattern can match nothing. */
  #bind(rule: StaticRule, input: LookupInput): BoundPattern[] | undefined {
    const bound: BoundPattern[] = []
    for (const pattern of rule.patterns) {
      const index = this.#indexOf(pattern.column)
      const needle = needleOf(pattern, input)
      if (!index || !needle) return undefined
      bound.push({ index, mode: pattern.mode, needle })
    }
    return bound
  }

  #indexOf(column: string): ColumnIndex | undefined {
    const at = this.#find(column)
    if (at === undefined) {
      if (!this.#reported.has(column)) this.#unknown(column)
      this.#reported.add(column)
      return undefined
    }

    let index = this.#indexes.get(at)
    if (!index) {
      index = buildColumnIndex(this.#table.rows, at)
      this.#indexes.set(at, index)
    }
    return index
  }

  #record(id: number, wanted: readonly (readonly [string, number | undefined])[]): BackendRecord {
    const row = this.#table.rows[id] ?? []
    const record: BackendRecord = {}
    for (const [attribute, at] of wanted) {
      const value = at === undefined ? '' : (row[at] ?? '')
      if (value) record[attribute] = value
    }
    return Object.freeze(record)
  }
}

/** The first `limit` rows, in file order, that every pattern selects. */
function matchingRows(bound: readonly BoundPattern[], limit: number): number[] {
  const selections = bound.map((pattern) => select(pattern.index, pattern.mode, pattern.needle))
  const driver = selections.reduce(
    (best, next, at) => (next.count < selections[best]!.count ? at : best),
    0,
  )
  if (selections[driver]!.count === 0) return []
  const others = bound
    .map((pattern, at) => ({ index: pattern.index, selection: selections[at]! }))
    .filter((_, at) => at !== driver)
  const [other] = others
  const test =
    others.length > 1
      ? (row: number) => others.every((each) => selects(each.index, each.selection, row))
      : other && selector(other.index, other.selection)
  return firstRows(bound[driver]!.index, selections[driver]!, test, limit)
}
