export * from "./device-record.ts";
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
