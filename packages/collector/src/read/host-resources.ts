import type { DeviceStatus, PrinterErrorName } from "@device-portal/protocol";
import { printerErrorNames } from "@device-portal/protocol/vocabulary";

/** hrDeviceStatus (HOST-RESOURCES-MIB). */
const deviceStates: Record<number, NonNullable<DeviceStatus["device"]>> = {
  1: "unknown",
  2: "running",
  3: "warning",
  4: "testing",
  5: "down",
};

/** hrPrinterStatus (HOST-RESOURCES-MIB). */
const printerStates: Record<number, NonNullable<DeviceStatus["printer"]>> = {
  1: "other",
  2: "unknown",
  3: "idle",
  4: "printing",
  5: "warmup",
};

export function decodeDeviceStatus(value: number | undefined): DeviceStatus["device"] {
  return value === undefined ? undefined : deviceStates[value];
}

export function decodePrinterStatus(value: number | undefined): DeviceStatus["printer"] {
  return value === undefined ? undefined : printerStates[value];
}

/** Decodes the error-state octets bit by bit; bits beyond the defined ones are ignored. */
export function decodeDetectedErrorState(octets: Buffer): PrinterErrorName[] {
  const errors: PrinterErrorName[] = [];
  // printerErrorNames is in bit order: bit 0 is the most significant bit of the first octet.
  printerErrorNames.forEach((name, bit) => {
    const byte = octets[bit >> 3];
    if (byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0) errors.push(name);
  });
  return errors;
}
