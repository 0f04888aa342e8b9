import cluster, { type Worker } from 'node:cluster'

import type { Logger } from 'pino'

/** The message the supervising process sends a worker to stop it gracefully. */
export const STOP_MESSAGE = 'livelookup:stop'

/** How long to wait before replacing a worker that died, so a crash cannot become a busy loop. */
const RESTART_DELAY_MS = 1_000

/**
 * Runs `count` worker processes that each serve the gateway on the same port, so lookups use
 * every core. A worker that dies is replaced; SIGHUP is passed on (each worker reloads its
 * config); SIGTERM and SIGINT stop every worker gracefully. Resolves with 0 once all stopped.
 */
export function superviseWorkers(count: number, logger: Logger): Promise<number> {
  let stopping = false
  const start = (): Worker => cluster.fork()
  for (let i = 0; i < count; i++) start()

  const workers = (): Worker[] =>
    Object.values(cluster.workers ?? {}).filter((w) => w !== undefined)

  return new Promise((resolve) => {
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) {
        if (workers().length === 0) resolve(0)
        return
      }
      logger.error({ worker: worker.process.pid, code, signal }, 'worker stopped, starting another')
      setTimeout(start, RESTART_DELAY_MS)
    })

    process.on('SIGHUP', () => {
      for (const worker of workers()) worker.process.kill('SIGHUP')
    })
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return
      stopping = true
      logger.info({ signal, workers: workers().length }, 'stopping workers')
      for (const worker of workers()) worker.send(STOP_MESSAGE)
      if (workers().length === 0) resolve(0)
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
}

/** True in a worker started by `superviseWorkers`. */
export function isWorker(): boolean {
  return cluster.isWorker
}

/** True where the start banner belongs: a single process, or the first worker. */
export function printsBanner(): boolean {
  return cluster.isPrimary || cluster.worker?.id === 1
}
