import { randomUUID } from "node:crypto";
import {
  type CollectorHealth,
  collectorApiPath,
  envelopeContentType,
  type ScanFile,
  scanFileToXml,
} from "@device-portal/protocol";
import { PortalClient } from "../../../collector/src/upload/portal-client.ts";
import { call, type TestSession } from "../testing/tenants.ts";

/** Helpers for the collectors tests: tokens through the API, the real collector client, scan files. */

export async function createToken(
  url: string,
  session: TestSession,
  siteId: string,
  body: unknown = {},
): Promise<{ token: string; id: string; installCommand: string }> {
  const created = await call(url, session, "POST", `/api/v1/sites/${siteId}/enrolment-tokens`, body);
  if (created.status !== 201)
    throw new Error(`token not created: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

/** The collector's own client, over plain HTTP to the test portal, no proxy, no fallback. */
export function collectorClient(url: string): PortalClient {
  return new PortalClient({ portalUrl: `${url}/`, proxy: false, fallbackUrl: null });
}

export const identity = { hostname: "ice-test", os: "linux 6.12 x64", version: "0.9.1" };

export function health(overrides: Partial<CollectorHealth> = {}): CollectorHealth {
  return {
    version: identity.version,
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    queuedScans: 0,
    errors: [],
    ...overrides,
  };
}

/** A scan file of `collectorId` with printers at the given addresses. */
export function scanOf(
  collectorId: string,
  ips: string[],
  options: { scanId?: string; kind?: ScanFile["kind"]; credential?: number } = {},
): { scanId: string; xml: string; scan: ScanFile } {
  const scanId = options.scanId ?? randomUUID();
  const now = Date.now();
  const scan: ScanFile = {
    scanId,
    kind: options.kind ?? "discovery",
    startedAt: new Date(now - 5_000).toISOString(),
    endedAt: new Date(now - 1_000).toISOString(),
    settingsDigest: "0".repeat(64),
    collector: { id: collectorId, ...identity },
    health: health({ lastScanDevices: ips.length }),
    ranges: [
      {
        target: "10.1.2.0/24",
        tried: 254,
        answeredPing: 10,
        answeredSnmp: ips.length,
        printers: ips.length,
        noPing: 244,
        noSnmp: 10 - ips.length,
        notPrinter: 0,
      },
    ],
    devices: ips.map((ip) => ({
      credential: options.credential ?? 0,
      device: {
        ip,
        vendor: "HP",
        model: "LaserJet M404",
        serial: `SER${ip.replace(/\./g, "")}`,
        mac: `00:11:22:33:${ip
          .split(".")
          .slice(2)
          .map((n) => Number(n).toString(16).padStart(2, "0"))
          .join(":")}`,
        counters: { total: 1000 },
        supplies: [],
        status: { errors: [] },
        alerts: [],
      },
    })),
  };
  return { scanId, xml: scanFileToXml(scan), scan };
}

/** A raw POST of envelope bytes to a collector call, for what the real client never sends. */
export async function postEnvelope(
  url: string,
  path: "enrol" | "checkin" | "scans",
  body: Uint8Array,
  contentType = envelopeContentType,
): Promise<{ status: number; json: { error?: string; serverTime?: string } | undefined; body: Buffer }> {
  const response = await fetch(`${url}/${collectorApiPath}${path}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  let json: { error?: string } | undefined;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {}
  return { status: response.status, json, body: bytes };
}
