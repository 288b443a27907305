import { vendorsMatch } from "./keys.ts";

/**
 * Which stored device a reading belongs to (docs/ingest.md, "Device identity"). Pure: the caller
 * loads the candidate devices in one query, this decides for the whole scan, the caller writes.
 */

/** A device as identity sees it: a stored one, or one this scan creates. */
export interface Candidate {
  deviceId: string;
  siteId: string;
  vendor: string | undefined;
  serialKey: string | undefined;
  mac: string | undefined;
  ip: string | undefined;
  lastSeenAt: number;
  duplicateSerial: boolean;
  /** Created by this scan. */
  isNew: boolean;
}

/** The identity keys of one reading, normalised (keys.ts). */
export interface ReadingKeys {
  vendor: string | undefined;
  serial: string | undefined;
  mac: string | undefined;
  ip: string | undefined;
}

/**
 * - `device`: the reading is this device's (stored or, when `device.isNew`, created now);
 * - `repeat`: the device was already read at another address in this scan; the reading is dropped.
 */
export type Identity = { kind: "device"; device: Candidate } | { kind: "repeat"; device: Candidate };

/** Another device reporting the same vendor and serial: in this customer, or in another one. */
export type DuplicateOf = { kind: "device"; device: Candidate } | { kind: "other-customer" };

export interface IdentityDecision {
  identities: Identity[];
  /** Devices to flag duplicate_serial, with what they duplicate. Only devices not flagged yet. */
  duplicates: Map<Candidate, DuplicateOf[]>;
}

export interface IdentifyInput {
  readings: ReadingKeys[];
  /** Every non-retired device of the customer with a serial of the scan, or a MAC/IP of the site. */
  candidates: Candidate[];
  siteId: string;
  /** Vendor/serial pairs held by devices of other customers of the account. */
  foreignSerials?: { serialKey: string; vendor: string | undefined }[];
  newDevice: (keys: ReadingKeys) => Candidate;
}

export function identify(input: IdentifyInput): IdentityDecision {
  const { siteId } = input;
  const bySerial = new MultiMap<string, Candidate>();
  const byMac = new MultiMap<string, Candidate>();
  const byIp = new MultiMap<string, Candidate>();
  const index = (d: Candidate) => {
    if (d.serialKey !== undefined) bySerial.add(d.serialKey, d);
    // Devices of other sites are loaded for their serial only (the MAC rule takes them only when
    // the serial agrees); an address means something only within the site.
    if (d.mac !== undefined) byMac.add(d.mac, d);
    if (d.ip !== undefined && d.siteId === siteId) byIp.add(d.ip, d);
  };
  for (const d of input.candidates) index(d);

  const claimed = new Set<Candidate>();
  const create = (r: ReadingKeys): Identity => {
    const device = input.newDevice(r);
    index(device);
    return { kind: "device", device };
  };
  // Stored devices of this site first, then the latest seen: who a reading most likely is.
  const rank = (r: ReadingKeys) => (a: Candidate, b: Candidate) =>
    Number(b.siteId === siteId && b.ip === r.ip) - Number(a.siteId === siteId && a.ip === r.ip) ||
    Number(b.siteId === siteId) - Number(a.siteId === siteId) ||
    b.lastSeenAt - a.lastSeenAt ||
    (a.deviceId < b.deviceId ? -1 : 1);
  const best = (r: ReadingKeys, list: Candidate[]) => list.sort(rank(r))[0];

  const decide = (r: ReadingKeys): Identity => {
    const sameVendor = (d: Candidate) => vendorsMatch(d.vendor, r.vendor);

    if (r.mac !== undefined) {
      // The MAC names the interface; it agrees with the serial unless the device stored another one.
      const sameMac = byMac
        .get(r.mac)
        .filter(
          (d) =>
            sameVendor(d) &&
            (d.serialKey === r.serial || d.serialKey === undefined || r.serial === undefined) &&
            (d.siteId === siteId || d.serialKey === r.serial),
        );
      const free = sameMac.filter((d) => !claimed.has(d));
      const device = best(r, free);
      if (device) return { kind: "device", device };
      const seen = best(r, sameMac);
      if (seen) return { kind: "repeat", device: seen };
    }

    if (r.serial !== undefined) {
      const sameSerial = bySerial.get(r.serial).filter(sameVendor);
      if (r.mac !== undefined) {
        // A stored device without a MAC (found by a refresh, or its MAC unreadable) takes this one.
        const device = best(
          r,
          sameSerial.filter((d) => d.mac === undefined && !claimed.has(d)),
        );
        if (device) return { kind: "device", device };
        // The serial belongs to a device with another MAC: a second device, flagged below.
        if (sameSerial.length > 0) return create(r);
      } else {
        const device = best(
          r,
          sameSerial.filter((d) => !claimed.has(d)),
        );
        if (device) return { kind: "device", device };
        // No MAC to tell them apart: the same device read at a second address.
        const seen = best(r, sameSerial);
        if (seen) return { kind: "repeat", device: seen };
      }
    }

    if (r.ip !== undefined) {
      // The last resort: the device this site knows at this address, unless its serial or MAC
      // says it is another one (a printer replaced at the same address).
      const device = best(
        r,
        byIp
          .get(r.ip)
          .filter(
            (d) =>
              !claimed.has(d) &&
              sameVendor(d) &&
              (r.mac === undefined || d.mac === undefined) &&
              (r.serial === undefined || d.serialKey === undefined),
          ),
      );
      if (device) return { kind: "device", device };
    }
    return create(r);
  };

  const identities = input.readings.map((r) => {
    const identity = decide(r);
    const d = identity.device;
    if (identity.kind === "device") {
      claimed.add(d);
      // What the reading taught about the device, for the readings after it in this scan.
      if (d.serialKey === undefined && r.serial !== undefined) bySerial.add(r.serial, d);
      if (d.mac === undefined && r.mac !== undefined) byMac.add(r.mac, d);
      d.serialKey ??= r.serial;
      d.mac ??= r.mac;
      d.vendor ??= r.vendor;
    }
    return identity;
  });

  return { identities, duplicates: findDuplicates(identities, input, bySerial) };
}

/** Every device of the scan whose serial another device (of this or another customer) reports. */
function findDuplicates(
  identities: Identity[],
  input: IdentifyInput,
  bySerial: MultiMap<string, Candidate>,
): Map<Candidate, DuplicateOf[]> {
  const duplicates = new Map<Candidate, DuplicateOf[]>();
  const flag = (d: Candidate, of: DuplicateOf) => {
    if (d.duplicateSerial) return;
    const list = duplicates.get(d) ?? [];
    if (list.length === 0) duplicates.set(d, list);
    list.push(of);
  };
  const foreign = new MultiMap<string, string | undefined>();
  for (const f of input.foreignSerials ?? []) foreign.add(f.serialKey, f.vendor);

  identities.forEach((identity, i) => {
    const key = input.readings[i]?.serial;
    if (identity.kind !== "device" || key === undefined) return;
    const d = identity.device;
    for (const other of bySerial.get(key)) {
      if (other === d || !vendorsMatch(other.vendor, d.vendor)) continue;
      flag(d, { kind: "device", device: other });
    }
    if (foreign.get(key).some((vendor) => vendorsMatch(vendor, d.vendor)))
      flag(d, { kind: "other-customer" });
  });
  // Both sides of a pair, once each.
  for (const [d, list] of [...duplicates]) {
    for (const of of list)
      if (
        of.kind === "device" &&
        !duplicates.get(of.device)?.some((o) => o.kind === "device" && o.device === d)
      )
        flag(of.device, { kind: "device", device: d });
  }
  return duplicates;
}

class MultiMap<K, V> {
  private readonly map = new Map<K, V[]>();
  add(key: K, value: V): void {
    const list = this.map.get(key);
    if (list) {
      if (!list.includes(value)) list.push(value);
    } else this.map.set(key, [value]);
  }
  get(key: K): V[] {
    return this.map.get(key) ?? [];
  }
}
