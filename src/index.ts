/** trus-cine-seg engine: framework-free, shared by the CLI (Node) and the OHIF extension (browser). */
export * from './dicom/index.js';
export * from './inference/index.js';
export * from './temporal/index.js';
export * from './report/index.js';
