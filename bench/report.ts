import type { LoadResult } from './load.js'

/** What one benchmark case reports: its measurements and the ratios its targets are judged by. */
export interface BenchReport {
  readonly title: string
  readonly results: readonly LoadResult[]
  /** Lines such as `static / ceiling: 64% (target >= 50%)`. */
  readonly verdicts: readonly string[]
}

export interface BenchCase {
  /** Short name used on the command line: `npm run bench -- static`. */
  readonly name: string
  run(): Promise<BenchReport>
}

/** `a / b` as a whole percentage. */
export function percent(a: number, b: number): number {
  return b === 0 ? 0 : Math.round((a / b) * 100)
}

/** A Markdown section for one report. */
export function renderReport(report: BenchReport): string {
  const rows = report.results.map(
    (r) => `| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.requests} | ${r.errors} |`,
  )
  return [
    `### ${report.title}`,
    '',
    '| load | req/s | p50 ms | p99 ms | requests | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    ...report.verdicts.map((line) => `- ${line}`),
    '',
  ].join('\n')
}
