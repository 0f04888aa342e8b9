#!/usr/bin/env node
import { text } from 'node:stream/consumers'

import { pino, type LevelWithSilent, type Logger } from 'pino'

import { ConfigError, RequestError } from './errors.js'
import { Gateway } from './engine/gateway.js'
import { closeConnectors, startConnectors } from './engine/live.js'
import { loadConfig, type GatewayConfig } from './config/load.js'
import { createLogger } from './log.js'
import { configPath } from './paths.js'
import { startServer, type RunningServer } from './serve.js'
import { isWorker, printsBanner, STOP_MESSAGE, superviseWorkers } from './workers.js'
import { parseArgs, UsageError, type ParsedArgs } from './cli/args.js'
import { checkConnectors, formatCheck } from './cli/check.js'
import { ajaxCommand, commandParams, lookupCommand, type CommandAnswer } from './cli/lookup.js'
import { helpspotUrls } from './cli/urls.js'
import { renderAjax, renderLiveLookup } from './render/xml.js'

const USAGE = `livelookup: HelpSpot Live Lookup gateway

  livelookup serve   [--config FILE] [--port N]
  livelookup lookup  [--config FILE] [--source NAME] [customer_id first_name last_name email phone
                     Custom...]
  livelookup lookup  [--config FILE] [--source NAME] --customer_id=123 --email ...
  livelookup lookup  [--config FILE] [--source NAME] < query      (query string or JSON)
  livelookup ajax    [--config FILE] --field NAME --callingField=Custom12 --Custom12=term
  livelookup check   [--config FILE]
  livelookup urls    [--config FILE] [--base URL]

Without --config, LIVELOOKUP_CONFIG names the config file, else the built-in demo is used.`

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv)
  switch (args.command) {
    case 'serve':
      return serveCommand(args)
    case 'lookup':
    case 'ajax':
      return oneShot(args)
    case 'check':
      return check(args)
    case 'urls':
      return urls(args)
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`)
      return args.command ? 0 : 2
    default:
      throw new UsageError(`unknown command ${args.command}`)
  }
}

/** `LIVELOOKUP_LOG_LEVEL` wins over the config's `log.level`, for a quick look at debug logs. */
function logLevelOverride(): LevelWithSilent | undefined {
  const level = process.env.LIVELOOKUP_LOG_LEVEL
  return (level && pino.levels.values[level] !== undefined) || level === 'silent'
    ? (level as LevelWithSilent)
    : undefined
}

async function serveCommand(args: ParsedArgs): Promise<number> {
  // First of all: a SIGHUP's default is to end the process, and one may come while starting.
  let running: RunningServer | undefined
  process.on('SIGHUP', () => void running?.service.reload())
  const configFile = configPath(args.options.get('config'))
  const config = await loadConfig(configFile)
  const logger = createLogger({ level: logLevelOverride() ?? config.log.level })
  const envWorkers = process.env.LIVELOOKUP_WORKERS
  const workers = envWorkers ? whole(envWorkers, 'LIVELOOKUP_WORKERS', 1, 64) : undefined
  const processes = workers ?? config.server.workers
  if (processes > 1 && !isWorker()) {
    const code = await superviseWorkers(processes, logger)
    await flushed(logger)
    return code
  }

  const portText = args.options.get('port') ?? process.env.LIVELOOKUP_PORT
  const port = portText ? whole(portText, '--port', 0, 65535) : undefined
  running = await startServer({ configFile, port, logger })
  if (printsBanner()) printBanner(running.service.current.config, running.url)

  await new Promise<void>((resolve) => {
    let stopping = false
    const stop = (signal: NodeJS.Signals | 'supervisor'): void => {
      if (stopping) return
      stopping = true
      logger.info({ signal }, 'shutting down')
      // A second signal means the operator will not wait for the grace period.
      process.once('SIGTERM', () => process.exit(1))
      if (!isWorker()) process.once('SIGINT', () => process.exit(1))
      void running.stop().then(resolve)
    }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
    process.on('message', (message) => {
      if (message === STOP_MESSAGE) stop('supervisor')
    })
    // A worker whose supervisor is gone stops too, rather than serving on unsupervised.
    if (isWorker()) process.once('disconnect', () => stop('supervisor'))
  })
  await flushed(logger)
  return 0
}

/**
 * Waits until the logger's last lines are written: the process exits right after, and a write
 * still in flight then would be lost. A stuck output is given a second at most.
 */
function flushed(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1_000)
    logger.flush(() => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** A whole number from the command line or the environment, or a usage error naming it. */
function whole(text: string, name: string, min: number, max: number): number {
  const value = Number(text)
  if (!/^\s*\d+\s*$/.test(text) || value < min || value > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}`)
  }
  return value
}

/** What to paste into HelpSpot, on stderr. Log collectors read stderr: no real key is shown. */
function printBanner(config: GatewayConfig, url: string): void {
  process.stderr.write(`livelookup-gateway is listening on ${url}\n\n`)
  if (config.server.keys.length === 0) {
    process.stderr.write(
      'No server.keys are configured, so only this machine can connect. ' +
        'Add a key to serve HelpSpot on another host.\n\n',
    )
  }
  const masked = {
    ...config,
    server: { ...config.server, keys: config.server.keys.length ? ['KEY'] : [] },
  }
  process.stderr.write(`${helpspotUrls(masked, url)}\n\n`)
  if (masked.server.keys.length) {
    process.stderr.write('KEY stands for a server key: `livelookup urls` prints them in.\n\n')
  }
}

/**
 * `lookup` and `ajax`: one answer on stdout, logs on stderr, then exit. HelpSpot reads only
 * stdout, so whatever goes wrong (a config that does not load, an unknown source, a value too
 * long) still prints an empty answer there, and the reason on stderr.
 */
async function oneShot(args: ParsedArgs): Promise<number> {
  try {
    return await answerOnce(args)
  } catch (error) {
    const empty =
      args.command === 'ajax'
        ? renderAjax([], 'utf-8')
        : renderLiveLookup([], { labels: {}, addressBook: false })
    process.stdout.write(empty)
    throw error
  }
}

async function answerOnce(args: ParsedArgs): Promise<number> {
  const config = await loadConfig(configPath(args.options.get('config')))
  const logger = createLogger({
    level: config.log.level === 'info' ? 'warn' : config.log.level,
    fd: 2,
    sync: true,
  })
  const { live } = startConnectors(config, logger)
  const gateway = new Gateway(config, live)

  try {
    const needsStdin =
      args.fields.size === 0 && args.positional.length === 0 && !process.stdin.isTTY
    const params = commandParams(args, gateway, needsStdin ? await text(process.stdin) : undefined)
    let answer: CommandAnswer
    if (args.command === 'ajax') {
      const field = args.options.get('field')
      if (!field) throw new UsageError('ajax needs --field NAME')
      answer = await ajaxCommand(gateway, field, params)
    } else {
      answer = await lookupCommand(gateway, args.options.get('source'), params)
    }
    process.stdout.write(answer.stdout)
    if (answer.problem) process.stderr.write(`${answer.problem}\n`)
    return answer.problem ? 1 : 0
  } finally {
    await closeConnectors(live.values(), logger)
  }
}

async function check(args: ParsedArgs): Promise<number> {
  const config = await loadConfig(configPath(args.options.get('config')))
  const logger = createLogger({ level: 'silent' })
  const { live } = startConnectors(config, logger)
  try {
    const rows = await checkConnectors(new Gateway(config, live))
    process.stdout.write(`config ok: ${config.file}\n\n${formatCheck(rows)}\n`)
    return rows.every((row) => row.ok) ? 0 : 1
  } finally {
    await closeConnectors(live.values(), logger)
  }
}

async function urls(args: ParsedArgs): Promise<number> {
  const config = await loadConfig(configPath(args.options.get('config')))
  const host =
    config.server.host && config.server.host !== '0.0.0.0' ? config.server.host : '127.0.0.1'
  const base = args.options.get('base') ?? `http://${host}:${config.server.port}`
  process.stdout.write(`${helpspotUrls(config, base)}\n`)
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
    setImmediate(() => process.exit(code))
  },
  (error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`${error.problems.join('\n')}\n`)
    else if (error instanceof UsageError || error instanceof RequestError) {
      process.stderr.write(`livelookup: ${error.message}\n`)
    } else
      process.stderr.write(
        `livelookup: ${error instanceof Error ? error.message : String(error)}\n`,
      )
    process.exit(2)
  },
)
