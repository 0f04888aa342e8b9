import type { Metric, Registry } from 'prom-client'

type Labels = Readonly<Record<string, string>>

interface Sample {
  readonly labels: Labels
  readonly value: number
  readonly metricName?: string
}

/** One histogram series: plain numbers, updated without any label lookup. */
export class HistogramSeries {
  readonly counts: Float64Array
  sum = 0
  count = 0

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length)
  }

  observe(value: number): void {
    this.sum += value
    this.count++
    const { bounds } = this
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]!++
        return
      }
    }
  }
}

/** One counter or gauge series. */
export class ValueSeries {
  value = 0
}

/**
 * A metric family whose series are bound once and updated as plain numbers on the request path;
 * the labels are formatted only when Prometheus scrapes. prom-client's own metrics hash their
 * labels on every update, which a cache hit cannot afford.
 */
abstract class Family<S> {
  protected readonly series = new Map<string, { labels: Labels; series: S }>()

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
  ) {}

  /** The series for these label values (in `labelNames` order), created on first use. */
  bind(...values: string[]): S {
    const key = values.join('\u0000')
    let found = this.series.get(key)
    if (!found) {
      const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, values[i] ?? '']))
      found = { labels, series: this.create() }
      this.series.set(key, found)
    }
    return found.series
  }

  register(registry: Registry): this {
    registry.registerMetric(this as unknown as Metric)
    return this
  }

  protected abstract create(): S
  abstract get(): Promise<{
    name: string
    help: string
    type: string
    values: Sample[]
    aggregator: string
  }>
}

export class HistogramFamily extends Family<HistogramSeries> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {
    super(name, help, labelNames)
  }

  protected create(): HistogramSeries {
    return new HistogramSeries(this.bounds)
  }

  async get() {
    const values: Sample[] = []
    for (const { labels, series } of this.series.values()) {
      let cumulative = 0
      this.bounds.forEach((bound, i) => {
        cumulative += series.counts[i]!
        values.push({
          labels: { ...labels, le: String(bound) },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        })
      })
      values.push({
        labels: { ...labels, le: '+Inf' },
        value: series.count,
        metricName: `${this.name}_bucket`,
      })
      values.push({ labels, value: series.sum, metricName: `${this.name}_sum` })
      values.push({ labels, value: series.count, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' }
  }
}

export class ValueFamily extends Family<ValueSeries> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly type: 'counter' | 'gauge',
  ) {
    super(name, help, labelNames)
  }

  protected create(): ValueSeries {
    return new ValueSeries()
  }

  async get() {
    const values = [...this.series.values()].map(({ labels, series }) => ({
      labels,
      value: series.value,
    }))
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' }
  }
}
