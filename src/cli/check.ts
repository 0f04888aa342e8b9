import type { Gateway } from '../engine/gateway.js'
import { asConnectorError, FAILURE_LABELS } from '../errors.js'

export interface CheckRow {
  readonly connector: string
  readonly type: string
  readonly ok: boolean
  readonly latencyMs: number
  readonly message: string
}

/** Connects every connector at once, each within its own timeout, and reports how each did. */
export async function checkConnectors(gateway: Gateway): Promise<CheckRow[]> {
  return Promise.all(
    [...gateway.connectors].map(async ([name, { settings, connector }]) => {
      const started = performance.now()
      const signal = AbortSignal.timeout(settings.timeoutMs)
      let message = 'ok'
      let ok = true
      try {
        await connector.check(signal)
      } catch (caught) {
        const error = asConnectorError(caught, signal)
        ok = false
        message = `${FAILURE_LABELS[error.kind]}: ${error.message}`
      }
      const latencyMs = Math.round(performance.now() - started)
      return { connector: name, type: settings.definition.type, ok, latencyMs, message }
    }),
  )
}

/** The rows as an aligned text table. */
export function formatCheck(rows: readonly CheckRow[]): string {
  const table = [
    ['CONNECTOR', 'TYPE', 'STATUS', 'LATENCY', 'DETAIL'],
    ...rows.map((r) => [
      r.connector,
      r.type,
      r.ok ? 'ok' : 'failed',
      `${r.latencyMs} ms`,
      r.message,
    ]),
  ]
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)))
  return table
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}
