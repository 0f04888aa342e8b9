import { readFile, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'

import type { BenchCase } from './report.js'
import { renderReport } from './report.js'

/** Every benchmark case, in the order they run. */
const CASES: readonly (() => Promise<BenchCase>)[] = [
  async () => (await import('./cases/core.js')).coreBench,
  async () => (await import('./cases/static.js')).staticBench,
  async () => (await import('./cases/sql.js')).sqlBench,
  async () => (await import('./cases/ldap.js')).ldapBench,
  async () => (await import('./cases/cache.js')).cacheBench,
]

const README = fileURLToPath(new URL('../../bench/README.md', import.meta.url))
const BEGIN = '<!-- results -->'
const END = '<!-- /results -->'

async function main(): Promise<void> {
  const wanted = process.argv.slice(2)
  const cases = await Promise.all(CASES.map((load) => load()))
  const chosen = wanted.length ? cases.filter((c) => wanted.includes(c.name)) : cases

  const sections: string[] = []
  for (const benchCase of chosen) {
    console.error(`bench: ${benchCase.name}`)
    const section = renderReport(await benchCase.run())
    console.log(section)
    sections.push(section)
  }

  const model = cpus()[0]?.model ?? 'unknown'
  const memory = Math.round(totalmem() / 2 ** 30)
  const machine = `${cpus().length} cores (${model}), ${memory} GiB, Node ${process.version}`
  const header = `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}.\n`
  const readme = await readFile(README, 'utf8')
  const start = readme.indexOf(BEGIN)
  const end = readme.indexOf(END)
  if (start < 0 || end < 0 || wanted.length) return

  const body = `${BEGIN}\n${header}\n${sections.join('\n')}${END}`
  await writeFile(README, readme.slice(0, start) + body + readme.slice(end + END.length))
}

await main()
