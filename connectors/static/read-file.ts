import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'

import { parse as parseCsv } from 'csv-parse/sync'
import { parseDocument, visit } from 'yaml'

import { ConnectorError } from '../../src/errors.js'
import type { Table } from './table.js'

/** The file types an address book can be, by extension. */
export const BOOK_EXTENSIONS = ['.csv', '.json', '.yaml', '.yml'] as const

/** Where the file is and how to read it. `shown` names it in messages (the path as configured). */
export interface BookFile {
  readonly path: string
  readonly shown: string
  /** CSV field separator: `,` by default, `;` for many spreadsheet exports. */
  readonly delimiter: string
}

/**
 * Reads and parses an address book file. A missing or unreadable file rejects with kind
 * `unreachable`; a file that cannot be parsed with kind `query`, naming the line at fault.
 */
export async function readBook(file: BookFile): Promise<Table> {
  let bytes: Buffer
  try {
    bytes = await readFile(file.path)
  } catch (error) {
    throw new ConnectorError('unreachable', `address book ${file.shown} ${readProblem(error)}`, {
      cause: error,
    })
  }

  const text = decode(bytes)
  if (!text.trim()) throw new ConnectorError('query', `address book ${file.shown} is empty`)
  try {
    const extension = extname(file.path).toLowerCase()
    if (extension === '.csv') return tableOfCsv(text, file.delimiter)
    return tableOfRecords(extension === '.json' ? parseJson(text) : parseYaml(text))
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0]?.slice(0, 300) ?? ''
    throw new ConnectorError('query', `address book ${file.shown} cannot be read: ${reason}`, {
      cause: error,
    })
  }
}

function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return 'does not exist'
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied)'
  if (code === 'EISDIR') return 'is a folder, not a file'
  return `cannot be read (${code ?? 'unknown error'})`
}

/** UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252 as older Excel saves CSV. */
function decode(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes)
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes)
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return new TextDecoder('windows-1252').decode(bytes)
  }
}

function tableOfCsv(text: string, delimiter: string): Table {
  const records = parseCsv(text, {
    bom: true,
    delimiter,
    // Every line ending, mixed too: a header saved with CRLF above rows written with LF.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  }) as string[][]

  const [header = [], ...rows] = records
  const columns = header.map((name) => name.trim())
  checkColumns(columns)

  let raggedRows = 0
  for (const row of rows) {
    if (row.length === columns.length) continue
    raggedRows++
    if (row.length < columns.length) while (row.length < columns.length) row.push('')
    else row.length = columns.length
  }
  return { columns, rows, raggedRows }
}

function checkColumns(columns: readonly string[]): void {
  const seen = new Set<string>()
  for (const column of columns) {
    if (column && seen.has(column)) throw new Error(`the header names column "${column}" twice`)
    seen.add(column)
  }
  if (seen.size === 0 || (seen.size === 1 && seen.has('')))
    throw new Error('the header row names no column')
}

function parseJson(text: string): unknown {
  return JSON.parse(text.replace(/^\uFEFF/, ''))
}

/** Plain YAML scalars keep their written form, so a phone `0123` stays `0123`, not `123`. */
function parseYaml(text: string): unknown {
  const document = parseDocument(text)
  const [error] = document.errors
  if (error) throw error
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value === 'number' || typeof node.value === 'bigint')
        node.value = node.source ?? String(node.value)
    },
  })
  return document.toJS()
}

/** A list of objects as from JSON or YAML: the columns are every key, in first-seen order. */
function tableOfRecords(parsed: unknown): Table {
  if (!Array.isArray(parsed)) throw new Error('expected a list of contacts (objects)')

  const columns: string[] = []
  const at = new Map<string, number>()
  const rows = parsed.map((item: unknown, position) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new Error(`contact ${position + 1} is not an object`)
    }
    const row: string[] = []
    for (const [key, value] of Object.entries(item)) {
      if (!at.has(key)) at.set(key, columns.push(key) - 1)
      row[at.get(key)!] = display(value)
    }
    return row
  })

  for (const row of rows) for (let i = 0; i < columns.length; i++) row[i] ??= ''
  return { columns, rows, raggedRows: 0 }
}

/** The display string of a JSON or YAML value. */
function display(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value)
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map(display).filter(Boolean).join(', ')
  return JSON.stringify(value)
}
