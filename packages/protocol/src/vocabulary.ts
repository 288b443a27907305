/**
 * The words of a device record: counter names, supply types, states, error names. Kept apart
 * from the zod schema so that code which only needs the words does not load zod.
 */

/** Page counters. Known names below; vendors may add more (e.g. `scanCopy`, `faxSent`). */
export const knownCounterNames = [
  "total",
  "mono",
  "color",
  "print",
  "copy",
  "fax",
  "scan",
  "large",
  "duplex",
  "printMono",
  "printColor",
  "copyMono",
  "copyColor",
  "faxMono",
  "scanMono",
  "scanColor",
  "scanCopy",
  "scanFax",
  "scanOther",
  "largeMono",
  "largeColor",
  "sincePowerOn",
] as const;
export type KnownCounterName = (typeof knownCounterNames)[number];

export const counterUnits = ["impressions", "sheets", "pages", "other", "unknown"] as const;

export const supplyTypes = [
  "toner",
  "ink",
  "drum",
  "developer",
  "fuser",
  "transfer",
  "waste",
  "staples",
  "maintenance",
  "other",
] as const;
export type SupplyType = (typeof supplyTypes)[number];

export const supplyStates = ["ok", "low", "empty", "unknown"] as const;
export type SupplyState = (typeof supplyStates)[number];

/** hrPrinterDetectedErrorState bits, in bit order (RFC 2790 as amended by RFC 3805). */
export const printerErrorNames = [
  "lowPaper",
  "noPaper",
  "lowToner",
  "noToner",
  "doorOpen",
  "jammed",
  "offline",
  "serviceRequested",
  "inputTrayMissing",
  "outputTrayMissing",
  "markerSupplyMissing",
  "outputNearFull",
  "outputFull",
  "inputTrayEmpty",
  "overduePreventMaint",
] as const;
export type PrinterErrorName = (typeof printerErrorNames)[number];

export const printerStates = ["idle", "printing", "warmup", "other", "unknown"] as const;
export const deviceStates = ["unknown", "running", "warning", "testing", "down"] as const;
