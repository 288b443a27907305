import { promisify } from "node:util";
import { gzip } from "node:zlib";
import {
  ackResponseSchema,
  type CollectorHealth,
  checkinRequestSchema,
  createCollectorKey,
  type EnvelopeHeader,
  enrolRequestSchema,
  type PortalErrorReason,
  type ScanFile,
} from "@device-portal/protocol";
import type { PortalContext } from "../app.ts";
import { recordAudit } from "../audit/audit.ts";
import type { Sql } from "../db/pool.ts";
import { type IngestResult, ingestScan } from "../ingest/ingest-scan.ts";
import { type EnvelopeSender, rememberMessage, usableToken } from "./envelope-keys.ts";
import { ScanParserPool } from "./scan-parser.ts";
import { type CollectorPlace, effectiveSettings, effectiveSettingsDigest } from "./settings-store.ts";

/**
 * What the portal does with each opened collector message (docs/collector-protocol.md, "Calls").
 * The HTTP side (protocol-routes.ts) opened and authenticated the envelope; these answer with a
 * payload to seal or a refusal.
 */

export type CallAnswer =
  /** 200 with a sealed answer of the call's type. */
  | { kind: "answer"; payload: Record<string, unknown> }
  /** 400 with a sealed `error`: the payload fails its schema. */
  | { kind: "invalid"; message: string }
  /** An unsealed refusal (401 replayed, or a token or collector revoked meanwhile). */
  | { kind: "refused"; status: 401; reason: PortalErrorReason; message: string };

const invalid = (message: string): CallAnswer => ({ kind: "invalid", message });
const refused = (reason: PortalErrorReason, message: string): CallAnswer => ({
  kind: "refused",
  status: 401,
  reason,
  message,
});

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString("utf8"));
  } catch {
    return undefined;
  }
}

const issues = (error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }) =>
  error.issues.map((i) => `${i.path.map(String).join(".") || "payload"}: ${i.message}`).join("; ");

function customerScope(sender: EnvelopeSender) {
  return { kind: "customer", accountId: sender.accountId, customerId: sender.customerId } as const;
}

/** The merged settings for the answer, and whether they differ from what the collector last got. */
async function settingsFor(sql: Sql, ctx: PortalContext, place: CollectorPlace) {
  const effective = await effectiveSettings(sql, ctx.secrets, place);
  const delivered = await deliveredDigest(sql, place);
  return { settings: effective.settings, digest: effective.digest, changed: delivered !== effective.digest };
}

/**
 * Settings only when they differ from `delivered`, the digest the collector last got (the common
 * case of a scan: unchanged).
 */
async function changedSettingsFor(
  sql: Sql,
  ctx: PortalContext,
  place: CollectorPlace,
  delivered: string | null | undefined,
) {
  const digest = await effectiveSettingsDigest(sql, place);
  if (delivered === digest) return undefined;
  const effective = await effectiveSettings(sql, ctx.secrets, place);
  return { settings: effective.settings, digest: effective.digest };
}

async function deliveredDigest(sql: Sql, place: CollectorPlace): Promise<string | null | undefined> {
  return (
    await sql.query<{ delivered_settings_digest: string | null }>(
      "select delivered_settings_digest from collectors where account_id = $1 and collector_id = $2",
      [place.accountId, place.collectorId],
    )
  ).rows[0]?.delivered_settings_digest;
}

async function markDelivered(sql: Sql, place: CollectorPlace, digest: string): Promise<void> {
  await sql.query(
    "update collectors set delivered_settings_digest = $3 where account_id = $1 and collector_id = $2",
    [place.accountId, place.collectorId, digest],
  );
}

/**
 * `enrol`: the token's first use makes the collector; a later one (the collector restarted, or
 * lost its key) gives the same collector a new key, and the old key stops working.
 */
export async function enrol(
  ctx: PortalContext,
  sender: EnvelopeSender,
  header: EnvelopeHeader,
  payload: Buffer,
): Promise<CallAnswer> {
  return ctx.db.tenant(customerScope(sender), async (sql) => {
    const token = (
      await sql.query<{ collector_id: string | null; usable: boolean }>(
        `select t.collector_id, ${usableToken("t")} as usable from enrolment_tokens t
         where t.account_id = $1 and t.customer_id = $2 and t.key_id = $3 for update`,
        [sender.accountId, sender.customerId, sender.keyId],
      )
    ).rows[0];
    if (!token?.usable) return refused("unknown-token", "the enrolment token was revoked or has expired");
    if (!(await rememberMessage(sql, sender.accountId, sender.keyId, header.messageId)))
      return refused("replayed", `message ${header.messageId} was seen before`);
    const identity = enrolRequestSchema.safeParse(parseJson(payload));
    if (!identity.success) return invalid(issues(identity.error));
    const { hostname, os, version } = identity.data;

    let collectorId = token.collector_id;
    if (collectorId) {
      const updated = await sql.query(
        `update collectors set hostname = $3, os = $4, version = $5, enrolled_at = now(), last_contact_at = now()
         where account_id = $1 and collector_id = $2 and revoked_at is null`,
        [sender.accountId, collectorId, hostname, os, version],
      );
      if (updated.rowCount !== 1) return refused("unknown-token", "the token's collector was revoked");
    } else {
      collectorId = (
        await sql.query<{ collector_id: string }>(
          `insert into collectors (account_id, customer_id, site_id, name, hostname, os, version, enrolled_at, last_contact_at)
           values ($1, $2, $3, $4, $5, $6, $7, now(), now()) returning collector_id`,
          [
            sender.accountId,
            sender.customerId,
            sender.siteId,
            hostname || "collector",
            hostname,
            os,
            version,
          ],
        )
      ).rows[0]?.collector_id as string;
    }

    // One key per collector: the previous one stops working now.
    const collectorKey = createCollectorKey();
    await sql.query(
      "delete from collector_keys where account_id = $1 and collector_id = $2 and kind = 'collector'",
      [sender.accountId, collectorId],
    );
    await sql.query(
      "insert into collector_keys (key_id, kind, account_id, collector_id) values ($1, 'collector', $2, $3)",
      [collectorKey.keyId, sender.accountId, collectorId],
    );
    await sql.query(
      "update collectors set key_id = $3, key_enc = $4 where account_id = $1 and collector_id = $2",
      [sender.accountId, collectorId, collectorKey.keyId, ctx.secrets.seal(collectorKey.key)],
    );
    await sql.query(
      `update enrolment_tokens set used_at = coalesce(used_at, now()), collector_id = $3
       where account_id = $1 and key_id = $2`,
      [sender.accountId, sender.keyId, collectorId],
    );
    await sql.query("update collector_keys set collector_id = $3 where account_id = $1 and key_id = $2", [
      sender.accountId,
      sender.keyId,
      collectorId,
    ]);

    const place = { ...sender, collectorId };
    const { settings, digest } = await settingsFor(sql, ctx, place);
    await markDelivered(sql, place, digest);
    await recordAudit(sql, {
      accountId: sender.accountId,
      customerId: sender.customerId,
      action: token.collector_id ? "collector.reenrol" : "collector.enrol",
      targetType: "collector",
      targetId: collectorId,
      details: { siteId: sender.siteId, hostname, os, version, tokenId: sender.keyId },
    });
    return {
      kind: "answer",
      payload: {
        collectorId,
        keyId: collectorKey.keyId,
        key: collectorKey.key.toString("base64"),
        settings,
      },
    };
  });
}

/** The collector's health as kept in collectors.health, stamped with the time it describes. */
function healthDocument(health: CollectorHealth, reportedAt: string) {
  return JSON.stringify({ ...health, reportedAt });
}

/** `checkin`: keeps the health, answers the current settings. */
export async function checkin(
  ctx: PortalContext,
  sender: EnvelopeSender,
  header: EnvelopeHeader,
  payload: Buffer,
): Promise<CallAnswer> {
  return ctx.db.tenant(customerScope(sender), async (sql) => {
    if (!(await rememberMessage(sql, sender.accountId, sender.keyId, header.messageId)))
      return refused("replayed", `message ${header.messageId} was seen before`);
    const request = checkinRequestSchema.safeParse(parseJson(payload));
    if (!request.success) return invalid(issues(request.error));
    const { health } = request.data;
    const place = { ...sender, collectorId: sender.collectorId as string };
    const updated = await sql.query(
      `update collectors set last_contact_at = now(), version = $3, health = $4,
         last_discovery_at = greatest(last_discovery_at, $5::timestamptz),
         last_refresh_at = greatest(last_refresh_at, $6::timestamptz)
       where account_id = $1 and collector_id = $2 and key_id = $7 and revoked_at is null`,
      [
        place.accountId,
        place.collectorId,
        health.version,
        healthDocument(health, new Date().toISOString()),
        health.lastDiscoveryAt ?? null,
        health.lastRefreshAt ?? null,
        sender.keyId,
      ],
    );
    if (updated.rowCount !== 1) return refused("unknown-key", "the collector was revoked or enrolled again");
    const { settings, digest } = await settingsFor(sql, ctx, place);
    await markDelivered(sql, place, digest);
    return { kind: "answer", payload: { settings } };
  });
}

const gzipAsync = promisify(gzip);

/** One pool per process: parsing runs beside the main thread, which keeps serving requests. */
const scanParser = new ScanParserPool();

/** The scan file of a `scan` payload, or why it is refused. */
export async function readScan(payload: Buffer, header: EnvelopeHeader): Promise<ScanFile | string> {
  const scan = await scanParser.parse(payload);
  if (typeof scan === "string") return scan;
  if (scan.scanId !== header.messageId)
    return `scanId ${scan.scanId} in the file, ${header.messageId} in the envelope`;
  if (scan.collector.id !== header.collectorId)
    return `collector ${scan.collector.id} in the file, ${header.collectorId} in the envelope`;
  return scan;
}

export interface ScanOutcome {
  answer: CallAnswer;
  result: IngestResult | undefined;
}

/**
 * `scan`: stores the scan through the ingest (once per scan id), keeps the collector's health and
 * acknowledges; the ack carries the settings when they changed since the collector last got them.
 */
export async function uploadScan(
  ctx: PortalContext,
  sender: EnvelopeSender,
  header: EnvelopeHeader,
  payload: Buffer,
  receivedAt: Date,
): Promise<ScanOutcome> {
  const scan = await readScan(payload, header);
  if (typeof scan === "string") return { answer: invalid(scan), result: undefined };
  // Fast compression: the copy is for audit and re-processing, and this runs on every upload.
  const xmlGz = await gzipAsync(payload, { level: 1 });
  const place = { ...sender, collectorId: sender.collectorId as string };
  return ctx.db.tenant(customerScope(sender), async (sql) => {
    // Revoked or enrolled again since its key was looked up: nothing may be stored.
    // The share lock also keeps delivered_settings_digest as read here until the ack is made.
    const current = await sql.query<{ delivered_settings_digest: string | null }>(
      `select delivered_settings_digest from collectors
       where account_id = $1 and collector_id = $2 and key_id = $3 and revoked_at is null
       for share`,
      [place.accountId, place.collectorId, sender.keyId],
    );
    if (current.rowCount !== 1)
      return {
        answer: refused("unknown-key", "the collector was revoked or enrolled again"),
        result: undefined,
      };
    const result = await ingestScan(sql, { ...place, receivedAt }, scan, xmlGz);
    const newest = scan.kind === "discovery" ? "last_discovery_at" : "last_refresh_at";
    await sql.query(
      `update collectors set last_contact_at = now(), version = $3,
         ${newest} = greatest(${newest}, $4::timestamptz),
         last_scan_devices = case when last_scan_at is null or last_scan_at <= $4 then $5 else last_scan_devices end,
         last_scan_at = greatest(last_scan_at, $4::timestamptz),
         health = case when coalesce((health->>'reportedAt')::timestamptz, '-infinity') <= $4 then $6::jsonb else health end
       where account_id = $1 and collector_id = $2`,
      [
        place.accountId,
        place.collectorId,
        scan.health.version,
        scan.endedAt,
        scan.devices.length,
        healthDocument(scan.health, new Date(scan.endedAt).toISOString()),
      ],
    );
    const ack: Record<string, unknown> = { scanId: scan.scanId, stored: result.stored };
    const delivered = current.rows[0]?.delivered_settings_digest;
    const changed = await changedSettingsFor(sql, ctx, place, delivered);
    if (changed) {
      ack.settings = changed.settings;
      await markDelivered(sql, place, changed.digest);
    }
    return { answer: { kind: "answer", payload: ackResponseSchema.parse(ack) }, result };
  });
}
