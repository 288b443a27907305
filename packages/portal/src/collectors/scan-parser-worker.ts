import { parentPort } from "node:worker_threads";
import { scanFileFromXml, XmlError } from "@device-portal/protocol";

/** Parses scan files off the main thread (scan-parser.ts): the XML and schema work is the CPU-heavy part of an upload. */
parentPort?.on("message", (message: { id: number; payload: Uint8Array }) => {
  let xml: string;
  try {
    xml = new TextDecoder("utf-8", { fatal: true }).decode(message.payload);
  } catch {
    parentPort?.postMessage({ id: message.id, refused: "the scan file is not UTF-8" });
    return;
  }
  try {
    parentPort?.postMessage({ id: message.id, scan: scanFileFromXml(xml) });
  } catch (error) {
    if (error instanceof XmlError)
      parentPort?.postMessage({ id: message.id, refused: `${error.code}: ${error.message}` });
    else
      parentPort?.postMessage({
        id: message.id,
        failed: error instanceof Error ? error.message : String(error),
      });
  }
});
