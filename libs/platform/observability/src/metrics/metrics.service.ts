import { Inject, Injectable, Optional } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, type Metric, Registry } from 'prom-client';

export interface MetricsModuleOptions {
  /** Process and Node.js metrics (`hub_process_*`, `hub_nodejs_*`); on by default. */
  defaultMetrics?: boolean;
}

export const METRICS_MODULE_OPTIONS = Symbol('METRICS_MODULE_OPTIONS');

export const METRIC_PREFIX = 'hub_';
const METRIC_NAME = /^hub_[a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Seconds; spans fast admin reads to slow ingest batches. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type HttpLabel = 'method' | 'route' | 'status';

/**
 * The app's Prometheus registry: one per app instance (never prom-client's global one), so two
 * apps in one process (tests) do not share or clash. Metric getters are idempotent: asking twice
 * for the same name returns the same metric; asking with another type or labels is a bug and throws.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpRequestDuration: Histogram<HttpLabel>;

  constructor(@Optional() @Inject(METRICS_MODULE_OPTIONS) options?: MetricsModuleOptions) {
    if (options?.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    this.httpRequestDuration = this.histogram(
      'hub_http_request_duration_seconds',
      'HTTP request duration in seconds, by method, route pattern and status code',
      ['method', 'route', 'status'],
      HTTP_DURATION_BUCKETS,
    );
  }

  counter<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.getOrCreate(name, help, labelNames, Counter, 'counter', () => new Counter<L>({ name, help, labelNames, registers: [this.registry] }));
  }

  gauge<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return this.getOrCreate(name, help, labelNames, Gauge, 'gauge', () => new Gauge<L>({ name, help, labelNames, registers: [this.registry] }));
  }

  histogram<L extends string = string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets?: number[],
  ): Histogram<L> {
    return this.getOrCreate(name, help, labelNames, Histogram, 'histogram', () =>
      new Histogram<L>({ name, help, labelNames, registers: [this.registry], ...(buckets ? { buckets } : {}) }),
    );
  }

  /** Prometheus text exposition of every metric of this app. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private getOrCreate<M extends Metric<string>>(
    name: string,
    help: string,
    labelNames: readonly string[],
    type: abstract new (...args: never[]) => M,
    typeName: string,
    create: () => M,
  ): M {
    if (!METRIC_NAME.test(name)) {
      throw new Error(`Metric name "${name}" must start with "${METRIC_PREFIX}" and use only letters, digits, _ and :`);
    }
    if (!help) throw new Error(`Metric ${name} needs a help text`);
    const bad = labelNames.find((label) => !LABEL_NAME.test(label) || label.startsWith('__'));
    if (bad !== undefined) throw new Error(`Metric ${name}: "${bad}" is not a valid label name`);
    const existing = this.registry.getSingleMetric(name);
    if (!existing) return create();
    const existingLabels = [...((existing as unknown as { labelNames?: string[] }).labelNames ?? [])].sort();
    if (!(existing instanceof type) || existingLabels.join(',') !== [...labelNames].sort().join(',')) {
      throw new Error(
        `Metric ${name} is already registered with another type or labels (wanted a ${typeName} with labels [${labelNames.join(', ')}])`,
      );
    }
    return existing;
  }
}
