import type { DeviceRecord, PrinterErrorName } from "@device-portal/protocol";
import { printerErrorNames } from "@device-portal/protocol/vocabulary";

/**
 * The alerts a reading says are open on its device: one per printer error name and one per
 * Printer-MIB alert code (docs/ingest.md, "Alerts"). Ingest opens what is new and closes what
 * a newer reading no longer reports.
 */

export type Severity = "info" | "warning" | "critical";

export interface WantedAlert {
  kind: string;
  severity: Severity;
  message: string | null;
  /** When the device says it began (Printer-MIB alert time); else the reading's time. */
  openedAt: Date;
}

/** Errors that stop printing are critical; the rest are warnings. */
const errorSeverity: Record<PrinterErrorName, Severity> = {
  lowPaper: "warning",
  noPaper: "critical",
  lowToner: "warning",
  noToner: "critical",
  doorOpen: "critical",
  jammed: "critical",
  offline: "critical",
  serviceRequested: "warning",
  inputTrayMissing: "critical",
  outputTrayMissing: "critical",
  markerSupplyMissing: "critical",
  outputNearFull: "warning",
  outputFull: "critical",
  inputTrayEmpty: "warning",
  overduePreventMaint: "warning",
};

const errorMessage: Record<PrinterErrorName, string> = {
  lowPaper: "Paper low",
  noPaper: "Out of paper",
  lowToner: "Toner low",
  noToner: "Out of toner",
  doorOpen: "Door open",
  jammed: "Paper jam",
  offline: "Offline",
  serviceRequested: "Service requested",
  inputTrayMissing: "Input tray missing",
  outputTrayMissing: "Output tray missing",
  markerSupplyMissing: "Supply missing",
  outputNearFull: "Output tray nearly full",
  outputFull: "Output tray full",
  inputTrayEmpty: "Input tray empty",
  overduePreventMaint: "Preventive maintenance overdue",
};

export const deviceAlertPrefix = "device-alert:";
const readingKinds = new Set<string>([...printerErrorNames, "supply-low", "supply-empty", "not-reporting"]);

/**
 * Kinds that follow the readings: ingest closes them when a newer reading no longer has them.
 * Not 'duplicate-serial' (a person resolves it) nor any kind another part of the portal opens.
 */
export function followsReadings(kind: string): boolean {
  return readingKinds.has(kind) || kind.startsWith(deviceAlertPrefix);
}

const alertSeverity = (severity: string): Severity =>
  severity === "critical" ? "critical" : severity.startsWith("warning") ? "warning" : "info";
const rank: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** `device-alert:<code>`, or the group when the code says nothing ("other", "unknown"). */
export function deviceAlertKind(alert: { code?: string | undefined; group?: string | undefined }): string {
  const vague = alert.code === undefined || alert.code === "other" || alert.code === "unknown";
  return `${deviceAlertPrefix}${vague ? (alert.group ?? alert.code ?? "other") : alert.code}`;
}

export function reportedAlerts(record: DeviceRecord, readAt: Date): WantedAlert[] {
  const wanted = new Map<string, WantedAlert>();
  for (const error of record.status.errors) {
    wanted.set(error, {
      kind: error,
      severity: errorSeverity[error],
      message: errorMessage[error],
      openedAt: readAt,
    });
  }
  for (const alert of record.alerts) {
    const kind = deviceAlertKind(alert);
    const severity = alertSeverity(alert.severity);
    const time = alert.time === undefined ? Number.NaN : Date.parse(alert.time);
    // A device clock ahead of the reading is not believed.
    const openedAt = Number.isFinite(time) && time <= readAt.getTime() ? new Date(time) : readAt;
    const text = alert.description || null;
    const same = wanted.get(kind);
    if (!same) {
      wanted.set(kind, { kind, severity, message: text, openedAt });
      continue;
    }
    // Two rows of one code (two jams): one alert, the worst severity, every description.
    if (rank[severity] > rank[same.severity]) same.severity = severity;
    if (text && !same.message?.split("; ").includes(text))
      same.message = same.message ? `${same.message}; ${text}` : text;
    if (openedAt < same.openedAt) same.openedAt = openedAt;
  }
  return [...wanted.values()];
}
