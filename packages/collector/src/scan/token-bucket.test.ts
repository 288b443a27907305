import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TokenBucket } from "./token-bucket.ts";

/** Packets released by `bucket` within `windowMs` when `demand` packets all ask at once. */
async function releasedWithin(bucket: TokenBucket, demand: number, windowMs: number): Promise<number> {
  const started = performance.now();
  let released = 0;
  const all = Array.from({ length: demand }, async () => {
    await bucket.take();
    if (performance.now() - started <= windowMs) released++;
  });
  await Promise.all(all);
  return released;
}

describe("TokenBucket", () => {
  test("releases no more than rate × time + burst", async () => {
    const bucket = new TokenBucket(200, { burst: 4 });
    const released = await releasedWithin(bucket, 120, 300);
    // 200/s for 0.3 s = 60, plus the initial burst of 4, plus one timer tick of slack.
    assert.ok(released <= 60 + 4 + 2, `released ${released} in 300 ms`);
    assert.ok(released > 0);
  });

  test("a big take leaves a debt that later packets wait for", async () => {
    const bucket = new TokenBucket(1000, { burst: 1 });
    assert.equal(bucket.take(100), undefined, "let through at once: the bucket was not in debt");
    const started = performance.now();
    await bucket.take();
    // 100 tokens at 1000/s: about 100 ms of debt (timers may fire a little early or late).
    assert.ok(performance.now() - started >= 80, "waited for the debt");
  });

  test("serves waiters in order", async () => {
    const bucket = new TokenBucket(500, { burst: 1 });
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4, 5].map(async (n) => {
        await bucket.take();
        order.push(n);
      }),
    );
    assert.deepEqual(order, [1, 2, 3, 4, 5]);
  });

  test("stop() fails waiting and later takes", async () => {
    const bucket = new TokenBucket(1, { burst: 1 });
    bucket.take();
    const waiting = bucket.take();
    bucket.stop(new Error("cancelled"));
    await assert.rejects(waiting as Promise<void>, /cancelled/);
    await assert.rejects(bucket.take() as Promise<void>, /cancelled/);
  });

  test("refuses a rate of 0", () => {
    assert.throws(() => new TokenBucket(0), /above 0/);
  });
});
