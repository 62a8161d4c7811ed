// dcmjs ships no type declarations; this covers only the surface the project uses.
declare module 'dcmjs' {
  export type NaturalDataset = Record<string, any>;
  export interface DicomDictLike {
    meta: Record<string, any>;
    dict: Record<string, any>;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomMessage: {
        readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DicomDictLike;
      };
      DicomDict: new (meta: Record<string, any>) => DicomDictLike;
      DicomMetaDictionary: {
        naturalizeDataset(dict: Record<string, any>): NaturalDataset;
        denaturalizeDataset(dataset: NaturalDataset): Record<string, any>;
        uid(): string;
        date(): string;
        time(): string;
      };
    };
    utilities: {
      message: {
        multipartEncode(datasets: ArrayBuffer[], boundary?: string, contentType?: string): { data: ArrayBuffer; boundary: string };
        multipartDecode(response: ArrayBuffer): ArrayBuffer[];
      };
    };
    log: { setLevel(level: string): void; disableAll?: () => void; getLoggers(): Record<string, { setLevel(level: string): void }> };
  };
  export default dcmjs;
}

declare module 'xhr2' {
  const XMLHttpRequest: { new (): XMLHttpRequest };
  export default XMLHttpRequest;
}

// The @cornerstonejs codec packages are Emscripten factories without declarations.
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  const factory: (moduleArg?: Record<string, unknown>) => Promise<any>;
  export default factory;
}
declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: (moduleArg?: Record<string, unknown>) => Promise<any>;
  export default factory;
}
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: (moduleArg?: Record<string, unknown>) => Promise<any>;
  export default factory;
}
declare module '@cornerstonejs/codec-openjpeg/wasmjs' {
  const factory: (moduleArg?: Record<string, unknown>) => Promise<any>;
  export default factory;
}

declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    xDim: number;
    yDim: number;
    numComp: number;
    decode(buffer: ArrayBuffer, offset: number, length: number, numBytes: number): Uint8Array | Uint16Array;
  }
}
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/wasmjs' {
  const factory: (moduleArg?: Record<string, unknown>) => Promise<any>;
  export default factory;
}
