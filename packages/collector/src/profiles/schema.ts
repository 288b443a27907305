import { supplyTypes } from "@device-portal/protocol/vocabulary";
import { z } from "zod";

/** The YAML profile format; docs/profiles.md is its reference. Unknown keys are errors, so typos surface. */

const oid = z.string().regex(/^\d+(\.\d+)+$/, "a numeric OID like 1.3.6.1.4.1.1347.43.5.1.1.1.1");
/** A sum term: a numeric OID or a counter name. */
const term = z.union([oid, z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, "an OID or a counter name")]);

/** A regular expression that compiles, so evaluating a profile can never throw on one. */
const regex = z.string().refine((text) => {
  try {
    new RegExp(text, "i");
    return true;
  } catch {
    return false;
  }
}, "not a valid regular expression");

const refinements = {
  pattern: regex.optional(),
  scale: z.number().positive().optional(),
  map: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
};

export const standardSources = [
  "sysDescr",
  "sysName",
  "sysLocation",
  "sysContact",
  "sysObjectId",
  "hrDeviceDescr",
  "prtGeneralSerialNumber",
  "prtGeneralPrinterName",
  "prtMarkerLifeCount",
  "prtMarkerPowerOnCount",
  "pwgTotalImpressions",
  "pwgMonoImpressions",
  "pwgColorImpressions",
  "pwgTwoColorImpressions",
  "pwgDuplexImpressions",
  "pwgTotalSheets",
  "pwgPrintImpressions",
  "pwgPrintMonoImpressions",
  "pwgPrintColorImpressions",
  "pwgCopyImpressions",
  "pwgCopyMonoImpressions",
  "pwgCopyColorImpressions",
  "pwgFaxImpressions",
  "pwgScanImages",
] as const;
export type StandardSource = (typeof standardSources)[number];

export const decoderNames = ["brother-records", "brother-level-steps", "pjl-device-id"] as const;

export type ValueSpec =
  | ({ oid: string; decode?: undefined } & Refine)
  | ({ oid: string; decode: (typeof decoderNames)[number]; key?: number; field?: string } & Refine)
  | ({ source: StandardSource } & Refine)
  | ({ counter: string } & Refine)
  | ({ sum: Array<string | ValueSpec> } & Refine)
  | ({ sumAny: Array<string | ValueSpec> } & Refine)
  | ({ diff: [string | ValueSpec, string | ValueSpec] } & Refine)
  | ({ walkSum: string } & Refine);

interface Refine {
  pattern?: string | undefined;
  scale?: number | undefined;
  map?: Record<string, string | number> | undefined;
  min?: number | undefined;
  max?: number | undefined;
}

export const valueSpecSchema: z.ZodType<ValueSpec> = z.lazy(() => {
  const operand = z.union([term, valueSpecSchema]);
  return z.union([
    z.strictObject({ oid, ...refinements }),
    z.strictObject({
      oid,
      decode: z.enum(decoderNames),
      key: z.number().int().min(0).max(255).optional(),
      field: z.string().optional(),
      ...refinements,
    }),
    z.strictObject({ source: z.enum(standardSources), ...refinements }),
    z.strictObject({ counter: z.string(), ...refinements }),
    z.strictObject({ sum: z.array(operand).min(1), ...refinements }),
    z.strictObject({ sumAny: z.array(operand).min(1), ...refinements }),
    z.strictObject({ diff: z.tuple([operand, operand]), ...refinements }),
    z.strictObject({ walkSum: oid, ...refinements }),
  ]) as z.ZodType<ValueSpec>;
});

/** One alternative or a list of them. */
const alternatives = z
  .union([valueSpecSchema, z.array(valueSpecSchema)])
  .transform((v) => (Array.isArray(v) ? v : [v]));

const matchEntry = z
  .strictObject({ sysObjectId: oid.optional(), sysDescr: z.string().optional() })
  .refine((m) => m.sysObjectId !== undefined || m.sysDescr !== undefined, "a match entry needs a condition");

/** A test on a text value: holds when the value matches the pattern. */
const condition = z.union([
  z.strictObject({ oid, matches: regex }),
  z.strictObject({ source: z.enum(standardSources), matches: regex }),
]);
export type Condition = z.infer<typeof condition>;

const vendorSupply = z.strictObject({
  /** Emit the supply only when this holds (e.g. the model is an inkjet). */
  when: condition.optional(),
  /** Emit the supply only when this does not hold (absent values do not hold). */
  unless: condition.optional(),
  type: z.enum(supplyTypes),
  color: z.string().optional(),
  description: z.string().optional(),
  levelPercent: alternatives,
});

export const profileFileSchema = z.strictObject({
  extends: z.array(z.string()).optional(),
  match: z.array(matchEntry).optional(),
  vendor: z.string().optional(),
  printer: z.boolean().optional(),
  counterUnit: z.enum(["impressions", "sheets", "pages", "other", "unknown"]).optional(),
  model: alternatives.optional(),
  serial: alternatives.optional(),
  firmware: alternatives.optional(),
  name: alternatives.optional(),
  location: alternatives.optional(),
  counters: z.record(z.string().regex(/^[a-z][a-zA-Z0-9]*$/), alternatives).optional(),
  supplies: z.array(vendorSupply).optional(),
});
export type ProfileFile = z.infer<typeof profileFileSchema>;
export type MatchEntry = z.infer<typeof matchEntry>;
export type VendorSupplySpec = z.infer<typeof vendorSupply>;

export const identityFields = ["model", "serial", "firmware", "name", "location"] as const;
export type IdentityField = (typeof identityFields)[number];
