import cluster, { type Worker } from 'node:cluster'

import type { Logger } from 'pino'

/** The message the supervising process sends a worker to stop it gracefully. */
export const STOP_MESSAGE = 'livelookup:stop'

/** How long to wait before replacing a worker that died, doubled for each quick death. */
const RESTART_DELAY_MS = 500
/** A worker that dies sooner than this after it started counts as failing to start. */
const QUICK_DEATH_MS = 10_000
/** Quick deaths in a row after which the supervisor gives up and exits 1. */
const MAX_QUICK_DEATHS = 4

/**
 * Runs `count` worker processes that each serve the gateway on the same port, so lookups use
 * every core. A worker that dies is replaced, after a delay that doubles while workers keep
 * dying soon after they start; after `MAX_QUICK_DEATHS` such deaths in a row (a port taken, a
 * config that no longer loads) the supervisor stops them all and resolves with 1. SIGHUP is
 * passed on (each worker reloads its config); SIGTERM and SIGINT stop every worker
 * gracefully and resolve with 0, and a second signal stops them at once and resolves with 1.
 */
export function superviseWorkers(count: number, logger: Logger): Promise<number> {
  let stopping = false
  let quickDeaths = 0
  const restarts = new Set<NodeJS.Timeout>()
  const started = new Map<number, number>()
  const start = (): void => {
    const worker = cluster.fork()
    started.set(worker.id, Date.now())
  }
  for (let i = 0; i < count; i++) start()

  const workers = (): Worker[] =>
    Object.values(cluster.workers ?? {}).filter((w) => w !== undefined)

  return new Promise((resolve) => {
    let result = 0
    const stop = (signal: NodeJS.Signals | 'failing', code = 0): void => {
      if (stopping) {
        // A second signal: the operator will not wait for in-flight lookups.
        for (const worker of workers()) worker.process.kill('SIGTERM')
        resolve(1)
        return
      }
      stopping = true
      result = code
      for (const timer of restarts) clearTimeout(timer)
      logger.info({ signal, workers: workers().length }, 'stopping workers')
      for (const worker of workers()) worker.send(STOP_MESSAGE)
      if (workers().length === 0) resolve(result)
    }

    cluster.on('exit', (worker, code, signal) => {
      if (stopping) {
        if (workers().length === 0) resolve(result)
        return
      }
      const lived = Date.now() - (started.get(worker.id) ?? 0)
      started.delete(worker.id)
      quickDeaths = lived < QUICK_DEATH_MS ? quickDeaths + 1 : 0
      if (quickDeaths >= MAX_QUICK_DEATHS) {
        logger.error(
          { worker: worker.process.pid, code, signal },
          'workers keep failing, giving up',
        )
        stop('failing', 1)
        return
      }
      const delayMs = RESTART_DELAY_MS * 2 ** Math.max(0, quickDeaths - 1)
      logger.error(
        { worker: worker.process.pid, code, signal, restartInMs: delayMs },
        'worker stopped, starting another',
      )
      const timer = setTimeout(() => {
        restarts.delete(timer)
        if (!stopping) start()
      }, delayMs)
      restarts.add(timer)
    })

    process.on('SIGHUP', () => {
      for (const worker of workers()) worker.process.kill('SIGHUP')
    })
    process.on('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGINT', () => stop('SIGINT'))
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
