/**
 * The part of dcmjs (untyped JavaScript) this product uses, typed once. Only `dicom/` imports dcmjs:
 * the reader (readDicomDataset.ts) and the Part-10 writer (writePart10.ts).
 */
declare module 'dcmjs' {
  /** A dcmjs "denaturalized" element: VR and values, keyed by the tag's 8 hex digits. */
  export interface DcmjsElement {
    vr: string;
    Value?: unknown[];
    InlineBinary?: string;
    BulkDataURI?: string;
  }
  export type DcmjsDict = Record<string, DcmjsElement>;

  export interface ReadFileOptions {
    ignoreErrors?: boolean;
    untilTag?: string | null;
    includeUntilTagValue?: boolean;
    noCopy?: boolean;
    forceStoreRaw?: boolean;
  }

  export interface WriteOptions {
    allowInvalidVRLength?: boolean;
    fragmentMultiframe?: boolean;
  }

  export class DicomDict {
    constructor(meta: DcmjsDict);
    meta: DcmjsDict;
    dict: DcmjsDict;
    write(options?: WriteOptions): ArrayBuffer;
  }

  export class WriteBufferStream {
    constructor(defaultSize?: number, littleEndian?: boolean);
    getBuffer(): ArrayBuffer;
  }

  export interface DicomMessageStatic {
    readFile(buffer: ArrayBuffer, options?: ReadFileOptions): DicomDict;
    /** Writes the elements of `dict` in tag order to `stream` in `syntax`; returns the bytes written. */
    write(dict: DcmjsDict, stream: WriteBufferStream, syntax: string, options?: WriteOptions): number;
  }

  export interface DicomMetaDictionaryStatic {
    naturalizeDataset(dict: DcmjsDict): Record<string, unknown>;
    denaturalizeDataset(dataset: Record<string, unknown>): DcmjsDict;
    uid(): string;
  }

  export interface DcmjsLog {
    setLevel(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent'): void;
    getLevel(): number;
    /** loglevel's named child loggers; dcmjs reports value validation through "validation.dcmjs". */
    getLogger(name: string): DcmjsLog;
  }

  export const data: {
    DicomDict: typeof DicomDict;
    WriteBufferStream: typeof WriteBufferStream;
    DicomMessage: DicomMessageStatic;
    DicomMetaDictionary: DicomMetaDictionaryStatic;
  };
  export const log: DcmjsLog;

  const dcmjs: { data: typeof data; log: DcmjsLog };
  export default dcmjs;
}
