import { setTimeout as delay } from "node:timers/promises";
import { PgBoss } from "pg-boss";
import type { PortalContext } from "../app.ts";
import { cleanUpExpired } from "./cleanup.ts";
import { defaultStaleMinutes, markStaleDevices } from "./stale-devices.ts";

/**
 * Background jobs on pg-boss, in its own schema of the portal's database. Every portal process
 * starts them: each cron schedule sends one job per occurrence whichever process does it, and
 * any process's worker may run it. Jobs also run on demand (runStaleDeviceCheck, runCleanup).
 */

export const jobQueues = { staleDevices: "stale-devices", cleanup: "cleanup" } as const;
export type JobQueue = (typeof jobQueues)[keyof typeof jobQueues];

export interface JobOptions {
  /** pg-boss's schema. Default "pgboss". */
  schema?: string;
  /** Take part in cron scheduling (default true); off, jobs run only on demand. */
  schedule?: boolean;
  /** Default every 5 minutes. */
  staleDevicesCron?: string;
  /** Default hourly. */
  cleanupCron?: string;
  /** Not reporting after this many minutes where no refresh interval is configured. Default 180. */
  defaultStaleMinutes?: number;
  /** How often an idle worker asks for work. Default 2 s. */
  pollingIntervalSeconds?: number;
  /** How often the queue-depth gauge is refreshed. Default 30 s. */
  queueDepthIntervalMs?: number;
  log?: (line: string) => void;
}

export interface RunningJobs {
  boss: PgBoss;
  /** Sends a stale-device check now; answers the job id. */
  runStaleDeviceCheck(): Promise<string>;
  runCleanup(): Promise<string>;
  /** Waits until a job has completed and answers its output; rejects when it failed or took too long. */
  waitFor(queue: JobQueue, jobId: string, timeoutMs?: number): Promise<unknown>;
  /** Refreshes the portal_job_queue_depth gauge (also done periodically). */
  updateQueueDepth(): Promise<void>;
  stop(): Promise<void>;
}

export async function startJobs(ctx: PortalContext, options: JobOptions = {}): Promise<RunningJobs> {
  const log = options.log ?? ((line: string) => console.error(line));
  const schedule = options.schedule ?? true;
  const boss = new PgBoss({
    connectionString: ctx.db.url,
    schema: options.schema ?? "pgboss",
    application_name: "device-portal-jobs",
    max: 4,
    schedule,
  });
  boss.on("error", (error) => log(`jobs: ${(error as Error).message}`));
  await boss.start();

  await boss.createQueue(jobQueues.staleDevices, { expireInSeconds: 600, retryLimit: 2, retryDelay: 30 });
  await boss.createQueue(jobQueues.cleanup, { expireInSeconds: 600, retryLimit: 2, retryDelay: 60 });
  const work = { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 };
  await boss.work(jobQueues.staleDevices, work, async () =>
    markStaleDevices(ctx.db, { defaultStaleMinutes: options.defaultStaleMinutes ?? defaultStaleMinutes }),
  );
  await boss.work(jobQueues.cleanup, work, async () => cleanUpExpired(ctx.db));
  if (schedule) {
    await boss.schedule(jobQueues.staleDevices, options.staleDevicesCron ?? "*/5 * * * *", null, {
      tz: "UTC",
    });
    await boss.schedule(jobQueues.cleanup, options.cleanupCron ?? "17 * * * *", null, { tz: "UTC" });
  }

  const queues = Object.values(jobQueues);
  const updateQueueDepth = async () => {
    for (const queue of await boss.getQueues(queues))
      ctx.metrics.queueDepth.set({ queue: queue.name }, queue.queuedCount);
  };
  await updateQueueDepth();
  const gauge = setInterval(() => {
    updateQueueDepth().catch((error: Error) => log(`jobs: queue depth: ${error.message}`));
  }, options.queueDepthIntervalMs ?? 30_000);
  gauge.unref();

  const send = async (queue: JobQueue) => {
    const id = await boss.send(queue, {});
    if (!id) throw new Error(`jobs: ${queue} was not queued`);
    return id;
  };

  return {
    boss,
    runStaleDeviceCheck: () => send(jobQueues.staleDevices),
    runCleanup: () => send(jobQueues.cleanup),
    async waitFor(queue, jobId, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [job] = await boss.findJobs(queue, { id: jobId });
        if (job?.state === "completed") return job.output;
        if (job?.state === "failed" || job?.state === "cancelled")
          throw new Error(`jobs: ${queue} job ${jobId} ${job.state}: ${JSON.stringify(job.output)}`);
        if (Date.now() > deadline) throw new Error(`jobs: ${queue} job ${jobId} not done in ${timeoutMs} ms`);
        await delay(100);
      }
    },
    updateQueueDepth,
    async stop() {
      clearInterval(gauge);
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}
