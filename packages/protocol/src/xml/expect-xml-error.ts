import assert from "node:assert/strict";
import { XmlError, type XmlErrorCode } from "./safe-xml.ts";

/** For tests: asserts `parse` throws an XmlError with `code`, a message matching `message`, and `field`. */
export function expectXmlError(
  parse: () => unknown,
  code: XmlErrorCode,
  message: RegExp,
  field?: string,
): XmlError {
  let caught: unknown;
  try {
    parse();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof XmlError, `expected an XmlError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, message);
  if (field !== undefined) assert.equal(caught.field, field, caught.message);
  return caught;
}
