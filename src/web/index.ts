/** Browser entry: the engine plus the worker client (the bundle trus-cine-seg.mjs). */
export * from '../index.js';
export { SegmentationClient, WorkerError, WORKER_FILE, type ClientStartOptions, type ClientSegmentOptions, type ClientRun, type ClientFrame } from './segmentationClient.js';
export { chooseProvider, type ProviderPreference, type ProviderChoice } from './providerChoice.js';
export type { BackendInfo, LoadProgress, WorkerSegmentOptions } from './workerProtocol.js';
