export * from "./device-record.ts";
export {
  type CollectorHealth,
  type CollectorIdentity,
  collectorHealthSchema,
  collectorIdentitySchema,
  maxScanFileXmlLength,
  type RangeReport,
  rangeReportSchema,
  type ScanDevice,
  type ScanFile,
  type ScanFileFromXmlOptions,
  type ScanFileVersion,
  type ScanKind,
  scanDeviceSchema,
  scanFileFromXml,
  scanFileSchema,
  scanFileSchemaVersion,
  scanFileToXml,
  scanFileVersion,
  scanKinds,
} from "./scan-file/scan-file.ts";
export {
  deviceFromXml,
  deviceFromXmlElement,
  deviceToXml,
  deviceToXmlElement,
  maxDeviceXmlLength,
} from "./xml/device-xml.ts";
export {
  buildXml,
  escapeXmlAttribute,
  escapeXmlText,
  type ParseXmlOptions,
  parseXml,
  stripInvalidXmlChars,
  type XmlElement,
  XmlError,
  type XmlErrorCode,
} from "./xml/safe-xml.ts";
export * from "./envelope/envelope.ts";
export * from "./envelope/header.ts";
export * from "./envelope/keys.ts";
export * from "./envelope/messages.ts";
