import { XmlError } from "../xml/safe-xml.ts";

/**
 * The scan file's format version, carried by the root as `schemaVersion="MAJOR[.MINOR]"`
 * ("1" and "1.0" are the same version). Rule (docs/scan-file.md, "Versioning"):
 *
 * - a minor version only adds optional attributes and elements, which older readers of the same
 *   major drop unread (new values in a closed list, new required fields or changed meanings
 *   need a new major);
 * - a reader refuses a major version it does not know.
 */

/** The version this code writes, and the newest it reads strictly. */
export const scanFileVersion = { major: 1, minor: 0 } as const;

/** `schemaVersion` as the writer puts it: "1" for 1.0, "1.1" for 1.1. */
export const scanFileSchemaVersion =
  scanFileVersion.minor === 0
    ? `${scanFileVersion.major}`
    : `${scanFileVersion.major}.${scanFileVersion.minor}`;

const versionText = /^(0|[1-9][0-9]{0,5})(?:\.(0|[1-9][0-9]{0,5}))?$/;

export interface ScanFileVersion {
  major: number;
  minor: number;
}

/**
 * Reads the root's `schemaVersion` and refuses what this reader cannot read: a missing or
 * malformed value (`invalid-value`), another major (`unsupported-version`).
 */
export function checkSchemaVersion(value: string | undefined): ScanFileVersion {
  const known = `${scanFileVersion.major}.${scanFileVersion.minor}`;
  if (value === undefined) {
    throw new XmlError(
      "invalid-value",
      `invalid scan file: <scan> has no schemaVersion (this reader reads ${known})`,
      {
        field: "schemaVersion",
      },
    );
  }
  const m = versionText.exec(value);
  if (!m) {
    throw new XmlError(
      "invalid-value",
      `invalid scan file: schemaVersion ${JSON.stringify(value)} is not MAJOR or MAJOR.MINOR`,
      { field: "schemaVersion" },
    );
  }
  const version = { major: Number(m[1]), minor: Number(m[2] ?? 0) };
  if (version.major !== scanFileVersion.major) {
    throw new XmlError(
      "unsupported-version",
      `unsupported scan file: schemaVersion ${JSON.stringify(value)} is major version ${version.major}; this reader reads major version ${scanFileVersion.major} (up to ${known})`,
      { field: "schemaVersion" },
    );
  }
  return version;
}
