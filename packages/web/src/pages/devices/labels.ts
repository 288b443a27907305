import i18next from "i18next";

// Dynamic keys (kinds, states) are looked up untyped and fall back to the raw value, so a kind the
// portal learns later still shows, just not translated.
function lookup(key: string, fallback: string): string {
  const t = i18next.t as unknown as (key: string, options: { ns: string; defaultValue: string }) => string;
  return t(key, { ns: "common", defaultValue: fallback });
}

/** "noPaper" → "Out of paper"; "device-alert:1104" → "Device alert 1104". */
export function alertKindLabel(kind: string): string {
  if (kind.startsWith("device-alert:"))
    return `${lookup("alertKind.device-alert", "Device alert")} ${kind.slice("device-alert:".length)}`;
  return lookup(`alertKind.${kind}`, kind);
}

export function statusLabel(status: string): string {
  return lookup(`status.${status}`, status);
}

export function supplyColorLabel(color: string | null | undefined): string {
  if (!color) return "";
  return lookup(`supplyColor.${color.toLowerCase()}`, color);
}

export function supplyTypeLabel(type: string): string {
  return lookup(`supplyType.${type}`, type);
}

export const statusColors: Record<string, string> = {
  ok: "green",
  warning: "yellow",
  error: "red",
  offline: "gray",
};

/** Colours for supply bars by the supply's colour name. */
export function supplyBarColor(color: string | null | undefined): string {
  switch ((color ?? "").toLowerCase()) {
    case "cyan":
      return "cyan.6";
    case "magenta":
      return "pink.6";
    case "yellow":
      return "yellow.5";
    case "black":
      return "dark.6";
    default:
      return "gray.6";
  }
}
