import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { ScanFile } from "@device-portal/protocol";

type Outcome = { scan: ScanFile } | { refused: string } | { failed: string };

/**
 * A small pool of worker threads that turn scan-file bytes into a checked ScanFile. Parsing and
 * validating a scan costs about 0.4 ms of CPU per device; on the main thread it would hold up
 * every other request while the database waits. An idle worker is unref'd, so it never keeps
 * the process alive; one that dies is replaced on the next call.
 */
export class ScanParserPool {
  readonly #size: number;
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<
    number,
    { resolve: (o: Outcome) => void; reject: (e: Error) => void; worker: Worker }
  >();
  #next = 0;
  #nextId = 0;

  constructor(size = Math.max(1, Math.min(4, availableParallelism() - 1))) {
    this.#size = size;
  }

  /** The scan, or the reason it is refused (not UTF-8, malformed, not a scan file). */
  async parse(payload: Buffer): Promise<ScanFile | string> {
    const worker = this.#worker();
    const id = this.#nextId++;
    // Referenced while it has work, so a caller awaiting a parse keeps the process alive.
    worker.ref();
    const outcome = await new Promise<Outcome>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, worker });
      worker.postMessage({ id, payload });
    }).finally(() => {
      if (![...this.#pending.values()].some((p) => p.worker === worker)) worker.unref();
    });
    if ("scan" in outcome) return outcome.scan;
    if ("refused" in outcome) return outcome.refused;
    throw new Error(`scan parser: ${outcome.failed}`);
  }

  async close(): Promise<void> {
    const workers = this.#workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  #worker(): Worker {
    if (this.#workers.length < this.#size) this.#workers.push(this.#start());
    const worker = this.#workers[this.#next++ % this.#workers.length] as Worker;
    return worker;
  }

  #start(): Worker {
    const worker = new Worker(new URL("./scan-parser-worker.ts", import.meta.url));
    worker.on("message", (message: { id: number } & Outcome) => {
      const waiting = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      waiting?.resolve(message);
    });
    const fail = (error: Error) => {
      const index = this.#workers.indexOf(worker);
      if (index >= 0) this.#workers.splice(index, 1);
      for (const [id, waiting] of this.#pending)
        if (waiting.worker === worker) {
          this.#pending.delete(id);
          waiting.reject(error);
        }
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`scan parser worker exited with ${code}`)));
    // After the listeners: adding a message listener refs the worker again.
    worker.unref();
    return worker;
  }
}
