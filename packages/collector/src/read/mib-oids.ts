/** OIDs of the standard MIBs the reader uses. Names follow the MIBs. */

export const sys = {
  sysDescr: "1.3.6.1.2.1.1.1.0",
  sysObjectID: "1.3.6.1.2.1.1.2.0",
  sysUpTime: "1.3.6.1.2.1.1.3.0",
  sysContact: "1.3.6.1.2.1.1.4.0",
  sysName: "1.3.6.1.2.1.1.5.0",
  sysLocation: "1.3.6.1.2.1.1.6.0",
} as const;

export const enterprises = "1.3.6.1.4.1";

/** IF-MIB */
export const ifType = "1.3.6.1.2.1.2.2.1.3";
export const ifPhysAddress = "1.3.6.1.2.1.2.2.1.6";

/** HOST-RESOURCES-MIB */
export const hrDeviceEntry = "1.3.6.1.2.1.25.3.2.1";
export const hrDeviceTypePrinter = "1.3.6.1.2.1.25.3.1.5";
export const hrPrinterEntry = "1.3.6.1.2.1.25.3.5.1";

/** Printer-MIB (RFC 3805) */
export const printerMib = "1.3.6.1.2.1.43";
export const prtGeneralPrinterName = "1.3.6.1.2.1.43.5.1.1.16";
export const prtGeneralSerialNumber = "1.3.6.1.2.1.43.5.1.1.17";
export const prtMarkerEntry = "1.3.6.1.2.1.43.10.2.1";
export const prtMarkerSuppliesEntry = "1.3.6.1.2.1.43.11.1.1";
export const prtMarkerColorantValue = "1.3.6.1.2.1.43.12.1.1.4";
export const prtAlertEntry = "1.3.6.1.2.1.43.18.1.1";

/** PWG Imaging System Counter MIB (PWG 5106.3): service keys, impressions, sheets, images. */
export const pwg = {
  serviceKey: "1.3.6.1.4.1.2699.1.3.1.3.1.1.3",
  impressionEntry: "1.3.6.1.4.1.2699.1.3.1.8.1.1",
  twoSidedEntry: "1.3.6.1.4.1.2699.1.3.1.9.1.1",
  sheetEntry: "1.3.6.1.4.1.2699.1.3.1.10.1.1",
  imageEntry: "1.3.6.1.4.1.2699.1.3.1.7.1.1",
} as const;
