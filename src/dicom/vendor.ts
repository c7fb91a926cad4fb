/**
 * The DICOM layer's third-party libraries, loaded once when `j2kit/dicom` is imported: dcmjs (Part 10
 * parsing and writing) and pako (the Deflated Explicit VR Little Endian syntax, PS3.5 A.5). Both are
 * optional peer dependencies of j2kit — only `j2kit/dicom` needs them — so a missing one is reported
 * as a J2kError `MISSING_DEPENDENCY` saying what to install, instead of a bare module-resolution error.
 * The specifiers are literal so that bundlers include the packages.
 * @module
 */
import type DcmjsModule from "dcmjs";
import type * as PakoModule from "pako";
import { J2kError } from "../errors.js";

function missing(name: string, version: string, cause: unknown): J2kError {
  return new J2kError(
    "MISSING_DEPENDENCY",
    `j2kit/dicom needs the package "${name}" (an optional peer dependency of j2kit): npm install ${name}@"${version}"`,
    { cause },
  );
}

let dcmjsImport: { default: typeof DcmjsModule };
try {
  dcmjsImport = await import("dcmjs");
} catch (e) {
  throw missing("dcmjs", "0.50.3", e);
}
let pakoImport: typeof PakoModule & { default?: typeof PakoModule };
try {
  pakoImport = await import("pako");
} catch (e) {
  throw missing("pako", "^2.2.0", e);
}

/** dcmjs (the default export, as `import dcmjs from "dcmjs"` gives it). */
export const dcmjs: typeof DcmjsModule = dcmjsImport.default;
const pako: typeof PakoModule = pakoImport.default ?? pakoImport;
/** pako's raw DEFLATE (writing the deflated syntax). */
export const deflateRaw = pako.deflateRaw;
/** pako's streaming inflater (reading the deflated syntax with a size cap). */
export const Inflate = pako.Inflate;
