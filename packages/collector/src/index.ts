/** The collector as a library: what the daemon, the demo and the portal's tests use. */
export { createLogger, type Logger } from "./log.ts";
export { loadProfiles, loadProfilesFrom } from "./profiles/catalog.ts";
export type { ResolvedProfile } from "./profiles/resolved.ts";
export { type ReadOptions, type ReadResult, readDevice } from "./read/read-device.ts";
export { runDiscovery } from "./scan/discovery.ts";
export { type KnownDevice, runRefresh } from "./scan/refresh.ts";
export type { ScanResult } from "./scan/result.ts";
export { SnmpAuthError, SnmpNoAnswerError } from "./snmp/errors.ts";
export type { SnmpCredentials, SnmpV3User } from "./snmp/target.ts";
