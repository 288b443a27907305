export * from "./device-record.ts";
