/** Node-only additions to the engine: model loading from disk through onnxruntime-node. */
export * from './index.js';
export { loadNodeModel } from './inference/nodeModel.js';
export { createNodeBackend, type NodeBackendOptions } from './inference/nodeBackend.js';
export { nodeFrameWorkerPool, defaultFrameWorkers, type FrameWorkerPool, type NodeFrameWorkerPoolOptions as FrameWorkerPoolOptions } from './inference/nodeFrameWorkers.js';
