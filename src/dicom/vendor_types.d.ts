/**
 * The parts of dcmjs (no bundled types) and pako (no @types installed; deflateRaw writes and Inflate reads the
 * Deflated Explicit VR Little Endian syntax) the DICOM layer uses.
 * Internal: nothing public refers to these declarations.
 */

declare module "dcmjs" {
  interface DcmElement {
    vr: string;
    Value?: unknown[];
    [extra: string]: unknown;
  }
  type DcmDataset = Record<string, DcmElement>;

  interface DcmReadOptions {
    ignoreErrors: boolean;
    untilTag: string | null;
    includeUntilTagValue: boolean;
    noCopy: boolean;
    forceStoreRaw: boolean;
  }

  interface DcmDicomDict {
    meta: DcmDataset;
    dict: DcmDataset;
    write(writeOptions?: Record<string, unknown>): ArrayBuffer;
  }

  interface DcmWriteBufferStream {
    size: number;
    getBuffer(start?: number, end?: number): ArrayBuffer;
  }

  interface DcmLogger {
    getLevel(): number;
    setLevel(level: number | string, persist?: boolean): void;
    getLogger(name: string): DcmLogger;
  }

  const dcmjs: {
    /** loglevel logger dcmjs writes its warnings to (and "validation.dcmjs" below it). */
    log: DcmLogger;
    data: {
      DicomDict: new (meta: DcmDataset) => DcmDicomDict;
      WriteBufferStream: new (defaultSize?: number, littleEndian?: boolean) => DcmWriteBufferStream;
      DicomMessage: {
        readFile(buffer: ArrayBuffer, options?: DcmReadOptions): DcmDicomDict;
        write(dataset: DcmDataset, stream: DcmWriteBufferStream, syntax: string, writeOptions?: Record<string, unknown>): number;
      };
      DicomMetaDictionary: {
        /** Tag "(GGGG,EEEE)" → entry; what dcmjs's reader looks a tag's VR up in. */
        dictionary: Record<string, { vr?: string } | undefined>;
        naturalizeDataset(dataset: DcmDataset): Record<string, unknown>;
        denaturalizeDataset(dataset: Record<string, unknown>): DcmDataset;
      };
    };
  };
  export default dcmjs;
}

declare module "pako" {
  export function deflateRaw(data: Uint8Array, options?: { level?: number }): Uint8Array;
  /** Streaming inflater (raw DEFLATE with `raw: true`); output arrives chunk by chunk in onData. */
  export class Inflate {
    constructor(options?: { raw?: boolean; chunkSize?: number });
    push(data: Uint8Array, final?: boolean): boolean;
    onData: (chunk: Uint8Array) => void;
    err: number;
    msg: string;
  }
}
