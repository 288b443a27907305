import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

/** A message as the SMTP sink received it. */
export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  /** The decoded text body. */
  text: string;
  raw: string;
}

export interface SmtpSink {
  /** smtp://127.0.0.1:<port>, for createMailer. */
  url: string;
  received: ReceivedMail[];
  /** The first received message (now or later) that `match` accepts and no earlier call took. */
  nextMail(match?: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/**
 * A real SMTP server in a child Node process (smtp-sink-server.ts) on 127.0.0.1, so tests send
 * mail the way the portal does in production: through nodemailer over SMTP.
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const script = new URL("./smtp-sink-server.ts", import.meta.url).pathname;
  const child = spawn(process.execPath, [script], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const received: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters = new Set<() => void>();

  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`SMTP sink exited with ${code} before listening`)));
    lines.once("line", (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  lines.on("line", (line) => {
    received.push(JSON.parse(line) as ReceivedMail);
    for (const wake of waiters) wake();
  });

  function nextMail(match: (mail: ReceivedMail) => boolean = () => true, timeoutMs = 10_000) {
    return new Promise<ReceivedMail>((resolve, reject) => {
      const look = () => {
        const mail = received.find((m) => !taken.has(m) && match(m));
        if (!mail) return;
        taken.add(mail);
        waiters.delete(look);
        clearTimeout(timer);
        resolve(mail);
      };
      // A guard against a hanging test, not a timing assertion.
      const timer = setTimeout(() => {
        waiters.delete(look);
        reject(new Error("no matching mail arrived at the SMTP sink"));
      }, timeoutMs);
      waiters.add(look);
      look();
    });
  }

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    nextMail,
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.stdin.end();
      await exited;
    },
  };
}
