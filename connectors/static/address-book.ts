import { realpathSync, watch, type FSWatcher } from 'node:fs'
import { stat } from 'node:fs/promises'
import { dirname } from 'node:path'

import type { Logger } from 'pino'

import { asConnectorError, ConnectorError } from '../../src/errors.js'
import type { BackendRecord, Connector, SearchRequest } from '../contract.js'
import { Book } from './book.js'
import type { StaticRule } from './pattern.js'
import { readBook, type BookFile } from './read-file.js'

/** How long the file must be quiet before it is reloaded: editors save in several writes. */
const SETTLE_MS = 150

export interface AddressBookOptions extends BookFile {
  /** Reload the file when it changes. */
  readonly watch: boolean
  readonly logger: Logger
}

/**
 * A static address book as a connector. The file is read on the first lookup or check, then
 * watched: a changed file is reloaded, and a file that fails to load keeps the previous data.
 */
export class AddressBook implements Connector<StaticRule> {
  /** A loaded book hands out one unchanging record per row and attribute list. */
  readonly reusesRecords = true
  readonly #options: AddressBookOptions
  #book: Book | undefined
  #loading: Promise<Book> | undefined
  #failure: { error: ConnectorError; signature: string } | undefined
  #watchers: FSWatcher[] = []
  #settle: NodeJS.Timeout | undefined
  #reloading = false
  #changedAgain = false
  #closed = false

  constructor(options: AddressBookOptions) {
    this.#options = options
  }

  async search(request: SearchRequest<StaticRule>): Promise<BackendRecord[]> {
    try {
      const book = await this.#current(request.signal)
      stopIfAborted(request.signal)
      return book.search(request.rule, request.input, request.attributes, request.limit)
    } catch (error) {
      throw asConnectorError(error, request.signal)
    }
  }

  async check(signal: AbortSignal): Promise<void> {
    try {
      await this.#current(signal)
    } catch (error) {
      throw asConnectorError(error, signal)
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#settle)
    this.#stopWatching()
  }

  #stopWatching(): void {
    for (const watcher of this.#watchers) watcher.close()
    this.#watchers = []
  }

  /** The loaded book; loads it first, or again when a failed file has changed since. */
  async #current(signal: AbortSignal): Promise<Book> {
    stopIfAborted(signal)
    if (this.#book) return this.#book
    if (!this.#loading) {
      const failure = this.#failure
      if (failure && failure.signature === (await signatureOf(this.#options.path)))
        throw failure.error
      this.#loading ??= this.#loadFirst().finally(() => (this.#loading = undefined))
    }
    return untilAborted(this.#loading, signal)
  }

  async #loadFirst(): Promise<Book> {
    const signature = await signatureOf(this.#options.path)
    try {
      const book = await this.#read(signature, [], 'address_book_loaded')
      this.#book = book
      this.#failure = undefined
      this.#startWatching()
      return book
    } catch (error) {
      const failure = asConnectorError(error)
      this.#failure = { error: failure, signature }
      this.#options.logger.warn({
        event: 'address_book_failed',
        file: this.#options.shown,
        reason: failure.message,
      })
      this.#startWatching()
      throw failure
    }
  }

  async #read(signature: string, warm: readonly string[], event: string): Promise<Book> {
    const started = performance.now()
    const table = await readBook(this.#options)
    const book = new Book(table, signature, (column) =>
      this.#options.logger.warn({
        event: 'address_book_unknown_column',
        file: this.#options.shown,
        column,
        columns: table.columns,
      }),
    )
    book.warm(warm)

    const durationMs = Math.round(performance.now() - started)
    this.#options.logger.info({
      event,
      file: this.#options.shown,
      contacts: book.size,
      raggedRows: book.raggedRows,
      durationMs,
    })
    return book
  }

  /**
   * Watches the file's folder, and the folder of the file a link points to: any change there
   * is checked against the file's signature, so a save by rename, a Kubernetes ConfigMap
   * update (a swapped link beside the file) and an edit of a linked file all reload it.
   */
  #startWatching(): void {
    if (!this.#options.watch || this.#watchers.length > 0 || this.#closed) return
    try {
      const folders = new Set([
        dirname(this.#options.path),
        dirname(realTarget(this.#options.path)),
      ])
      for (const folder of folders) {
        const watcher = watch(folder, { persistent: false }, () => this.#changed())
        watcher.on('error', (error) => {
          this.#options.logger.warn({
            event: 'address_book_watch_failed',
            file: this.#options.shown,
            reason: error.message,
          })
          this.#stopWatching()
        })
        this.#watchers.push(watcher)
      }
    } catch (error) {
      this.#options.logger.warn({
        event: 'address_book_watch_failed',
        file: this.#options.shown,
        reason: (error as Error).message,
      })
    }
  }

  #changed(): void {
    clearTimeout(this.#settle)
    if (this.#closed) return
    this.#settle = setTimeout(() => void this.#reload(), SETTLE_MS)
    this.#settle.unref()
  }

  /** Reloads after a change; a file that fails to load is logged and the old data kept. */
  async #reload(): Promise<void> {
    if (this.#reloading) {
      this.#changedAgain = true
      return
    }
    this.#reloading = true
    try {
      const signature = await signatureOf(this.#options.path)
      const old = this.#book
      if (!old && this.#loading) {
        this.#changedAgain = true
        return
      }
      if (old?.signature === signature) return
      const book = await this.#read(signature, old?.indexedColumns() ?? [], 'address_book_reloaded')
      if (!this.#closed) this.#book = book
      this.#failure = undefined
    } catch (error) {
      const reason = asConnectorError(error).message
      this.#options.logger.warn({
        event: 'address_book_reload_failed',
        file: this.#options.shown,
        reason,
        kept: this.#book?.size ?? 0,
      })
    } finally {
      this.#reloading = false
      if (this.#changedAgain) {
        this.#changedAgain = false
        this.#changed()
      }
    }
  }
}

function deadlinePassed(): ConnectorError {
  return new ConnectorError(
    'timeout',
    'the lookup deadline passed before the address book answered',
  )
}

function stopIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw deadlinePassed()
}

/** Waits for a load shared by several lookups, giving up (but not stopping it) on abort. */
function untilAborted<T>(loading: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(deadlinePassed())
    signal.addEventListener('abort', abort, { once: true })
    loading.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort))
  })
}

/** Changes whenever the file is replaced or rewritten; `missing` while it does not exist. */
async function signatureOf(path: string): Promise<string> {
  try {
    const found = await stat(path)
    return `${found.ino}:${found.size}:${found.mtimeMs}`
  } catch {
    return 'missing'
  }
}

/** Where a path leads once links are followed; the path itself while it does not exist. */
function realTarget(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}
