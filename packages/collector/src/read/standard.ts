import type { Alert, DeviceRecord, DeviceStatus, Supply } from "@device-portal/protocol";
import type { Logger } from "../log.ts";
import type { StandardSource } from "../profiles/schema.ts";
import type { SnmpClient } from "../snmp/client.ts";
import { asBytes, asNumber, asText, type SnmpValue } from "../snmp/value.ts";
import { decodeAlertRow } from "./alerts.ts";
import { decodeDetectedErrorState, decodeDeviceStatus, decodePrinterStatus } from "./host-resources.ts";
import * as mib from "./mib-oids.ts";
import { decodeSupplyRow } from "./supplies.ts";
import { columnValues, groupTable } from "./table.ts";

/** What the standard MIBs say about a device, before any vendor profile is applied. */
export interface StandardReading {
  sysObjectId?: string;
  sysDescr?: string;
  uptimeTicks?: number;
  /** `1.3.6.1.4.1.<n>` of the first private OID, for devices that hide sysObjectID. */
  enterpriseOid?: string;
  mac?: string;
  /** The device shows itself as a printer through HOST-RESOURCES or the Printer-MIB. */
  printerMib: boolean;
  values: Partial<Record<StandardSource, string | number>>;
  counterUnit?: DeviceRecord["counterUnit"];
  supplies: Supply[];
  status: DeviceStatus;
  alerts: Alert[];
}

/** prtMarkerCounterUnit (PrtMarkerCounterUnitTC) → the record's counter unit. */
const counterUnits: Record<number, NonNullable<DeviceRecord["counterUnit"]>> = {
  7: "impressions",
  8: "sheets",
};

/** Ethernet, Wi-Fi and gigabit Ethernet: the interfaces whose address identifies a printer. */
const lanIfTypes = new Set([6, 71, 117]);

export async function readSystem(client: SnmpClient): Promise<Map<string, SnmpValue>> {
  return client.probe(Object.values(mib.sys));
}

export async function readStandard(
  client: SnmpClient,
  system: Map<string, SnmpValue>,
  log: Logger,
  now: Date = new Date(),
): Promise<StandardReading> {
  const reading: StandardReading = {
    printerMib: false,
    values: {},
    supplies: [],
    status: { errors: [] },
    alerts: [],
  };
  const text = (oid: string) => asText(system.get(oid));
  const sysObjectId = system.get(mib.sys.sysObjectID);
  if (sysObjectId?.kind === "oid" && sysObjectId.value !== "0.0") reading.sysObjectId = sysObjectId.value;
  setIf(reading, "sysDescr", text(mib.sys.sysDescr));
  const uptime = system.get(mib.sys.sysUpTime);
  if (uptime?.kind === "unsigned") reading.uptimeTicks = uptime.value;
  for (const [name, oid] of [
    ["sysDescr", mib.sys.sysDescr],
    ["sysName", mib.sys.sysName],
    ["sysLocation", mib.sys.sysLocation],
    ["sysContact", mib.sys.sysContact],
  ] as const) {
    const value = text(oid);
    if (value !== undefined) reading.values[name] = value;
  }
  if (reading.sysObjectId) reading.values.sysObjectId = reading.sysObjectId;
  else reading.enterpriseOid = await firstEnterprise(client);

  reading.mac = pickMac(await client.walk(mib.ifPhysAddress), await client.walk(mib.ifType));
  await readHostResources(client, reading, log);
  await readPrinterMib(client, reading, now);
  await readPwgCounters(client, reading);
  return reading;
}

function setIf<K extends "sysDescr">(reading: StandardReading, key: K, value: string | undefined): void {
  if (value !== undefined) reading[key] = value;
}

async function firstEnterprise(client: SnmpClient): Promise<string | undefined> {
  const [first] = await client.walkFirst(mib.enterprises);
  if (!first) return undefined;
  return first.oid.split(".").slice(0, 7).join(".");
}

/** The first LAN interface's address that is a real unicast MAC (not zero, not broadcast). */
export function pickMac(
  addresses: ReadonlyArray<{ oid: string; value: SnmpValue }>,
  types: ReadonlyArray<{ oid: string; value: SnmpValue }>,
): string | undefined {
  const typeByIf = columnValues(types, mib.ifType);
  const candidates: Array<{ mac: string; lan: boolean }> = [];
  for (const [ifIndex, value] of columnValues(addresses, mib.ifPhysAddress)) {
    const bytes = asBytes(value);
    if (bytes?.length !== 6) continue;
    if (bytes.every((b) => b === 0) || bytes.every((b) => b === 0xff) || (bytes[0] as number) & 1) continue;
    const ifType = asNumber(typeByIf.get(ifIndex));
    candidates.push({ mac: formatMac(bytes), lan: ifType === undefined || lanIfTypes.has(ifType) });
  }
  return (candidates.find((c) => c.lan) ?? candidates[0])?.mac;
}

export function formatMac(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(":");
}

async function readHostResources(client: SnmpClient, reading: StandardReading, log: Logger): Promise<void> {
  const devices = groupTable(await client.walk(mib.hrDeviceEntry), mib.hrDeviceEntry);
  const printers = groupTable(await client.walk(mib.hrPrinterEntry), mib.hrPrinterEntry);
  // The printer's hrDevice row: typed hrDevicePrinter, else the row the hrPrinterTable names.
  let index = [...devices].find(([, row]) => {
    const type = row.get(2);
    return type?.kind === "oid" && type.value === mib.hrDeviceTypePrinter;
  })?.[0];
  index ??= [...printers.keys()][0];
  if (index === undefined) return;
  reading.printerMib = true;
  const device = devices.get(index);
  const printer = printers.get(index) ?? [...printers.values()][0];
  const descr = asText(device?.get(3));
  if (descr !== undefined) reading.values.hrDeviceDescr = descr;
  const deviceStatus = decodeDeviceStatus(asNumber(device?.get(5)));
  const printerStatus = decodePrinterStatus(asNumber(printer?.get(1)));
  reading.status = {
    ...(deviceStatus && { device: deviceStatus }),
    ...(printerStatus && { printer: printerStatus }),
    errors: decodeErrorState(printer?.get(2), client.target.host, log),
  };
}

function decodeErrorState(value: SnmpValue | undefined, host: string, log: Logger) {
  if (value?.kind === "octets") return decodeDetectedErrorState(value.value);
  if (value?.kind === "integer" && value.value >= 0 && value.value <= 0xffff) {
    // Some agents send the bit string as an INTEGER; read it as the octets it stands for.
    log.debug(`${host}: hrPrinterDetectedErrorState sent as INTEGER ${value.value}`);
    const octets = value.value > 0xff ? [value.value >> 8, value.value & 0xff] : [value.value];
    return decodeDetectedErrorState(Buffer.from(octets));
  }
  return [];
}

async function readPrinterMib(client: SnmpClient, reading: StandardReading, now: Date): Promise<void> {
  const general = await client.walk(mib.prtGeneralSerialNumber);
  const serial = asText(general[0]?.value);
  if (serial !== undefined) reading.values.prtGeneralSerialNumber = serial;
  const printerName = asText((await client.walk(mib.prtGeneralPrinterName))[0]?.value);
  if (printerName !== undefined) reading.values.prtGeneralPrinterName = printerName;

  const markers = [...groupTable(await client.walk(mib.prtMarkerEntry), mib.prtMarkerEntry).values()];
  const marker = markers.find((m) => asNumber(m.get(4)) !== undefined) ?? markers[0];
  const life = asNumber(marker?.get(4));
  if (life !== undefined && life >= 0) reading.values.prtMarkerLifeCount = life;
  const powerOn = asNumber(marker?.get(5));
  if (powerOn !== undefined && powerOn >= 0) reading.values.prtMarkerPowerOnCount = powerOn;
  const unit = asNumber(marker?.get(3));
  if (unit !== undefined) reading.counterUnit = counterUnits[unit] ?? "other";

  const colorants = columnValues(await client.walk(mib.prtMarkerColorantValue), mib.prtMarkerColorantValue);
  const supplyRows = groupTable(await client.walk(mib.prtMarkerSuppliesEntry), mib.prtMarkerSuppliesEntry);
  for (const [index, row] of supplyRows) {
    const supply = decodeSupplyRow(index, row, colorants);
    if (supply) reading.supplies.push(supply);
  }
  for (const row of groupTable(await client.walk(mib.prtAlertEntry), mib.prtAlertEntry).values()) {
    const alert = decodeAlertRow(row, reading.uptimeTicks, now);
    if (alert) reading.alerts.push(alert);
  }
  if (serial !== undefined || markers.length > 0 || supplyRows.size > 0) reading.printerMib = true;
}

/** PWG service types (icServiceType) whose lifetime counters we read. */
const pwgServices = { systemTotals: 3, copy: 4, faxIn: 7, print: 11, scan: 12 } as const;
const lifetimeAllWork = "3.3"; // workType workTotals, persistence lifetime

async function readPwgCounters(client: SnmpClient, reading: StandardReading): Promise<void> {
  const keys = new Map<number, number>();
  for (const { oid, value } of await client.walk(mib.pwg.serviceKey)) {
    const type = Number(oid.slice(mib.pwg.serviceKey.length + 1).split(".")[0]);
    const key = asNumber(value);
    if (key !== undefined && !keys.has(type)) keys.set(type, key);
  }
  if (keys.size === 0) return;
  const wanted: Array<[StandardSource, string]> = [];
  const add = (service: number, source: StandardSource, entry: string, column: number) => {
    const key = keys.get(service);
    if (key !== undefined) wanted.push([source, `${entry}.${column}.${key}.${lifetimeAllWork}`]);
  };
  const { impressionEntry: imp, twoSidedEntry, sheetEntry, imageEntry } = mib.pwg;
  add(pwgServices.systemTotals, "pwgTotalImpressions", imp, 4);
  add(pwgServices.systemTotals, "pwgMonoImpressions", imp, 5);
  add(pwgServices.systemTotals, "pwgColorImpressions", imp, 7);
  add(pwgServices.systemTotals, "pwgTwoColorImpressions", imp, 8);
  add(pwgServices.systemTotals, "pwgDuplexImpressions", twoSidedEntry, 4);
  add(pwgServices.systemTotals, "pwgTotalSheets", sheetEntry, 4);
  add(pwgServices.print, "pwgPrintImpressions", imp, 4);
  add(pwgServices.print, "pwgPrintMonoImpressions", imp, 5);
  add(pwgServices.print, "pwgPrintColorImpressions", imp, 7);
  add(pwgServices.copy, "pwgCopyImpressions", imp, 4);
  add(pwgServices.copy, "pwgCopyMonoImpressions", imp, 5);
  add(pwgServices.copy, "pwgCopyColorImpressions", imp, 7);
  add(pwgServices.faxIn, "pwgFaxImpressions", imp, 4);
  add(pwgServices.scan, "pwgScanImages", imageEntry, 4);
  const values = await client.get(wanted.map(([, oid]) => oid));
  for (const [source, oid] of wanted) {
    const n = asNumber(values.get(oid));
    // IcCounter32 is 0..2^31-1; -1/-2 would mean "not supported"/"unknown".
    if (n !== undefined && n >= 0) reading.values[source] = n;
  }
}
