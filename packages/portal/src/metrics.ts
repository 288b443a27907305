import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The portal's Prometheus metrics (served at /metrics). One registry per app, so tests stay apart. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "portal_" });
  return {
    registry,
    httpRequests: new Counter({
      name: "portal_http_requests_total",
      help: "HTTP requests by method, route and status",
      labelNames: ["method", "route", "status"] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "portal_http_request_duration_seconds",
      help: "HTTP request duration by route",
      labelNames: ["method", "route"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    ingestScans: new Counter({
      name: "portal_ingest_scans_total",
      help: "Scan files received, by outcome (stored, duplicate, rejected)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    ingestDevices: new Counter({
      name: "portal_ingest_device_readings_total",
      help: "Device readings stored from scan files",
      registers: [registry],
    }),
    ingestDuration: new Histogram({
      name: "portal_ingest_duration_seconds",
      help: "Time from a scan upload's arrival to its acknowledgement",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "portal_job_queue_depth",
      help: "Jobs waiting in the queue, by queue",
      labelNames: ["queue"] as const,
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
