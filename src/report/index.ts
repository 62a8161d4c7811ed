export { reportToCsv, reportToJson, reportWarnings, RESEARCH_NOTE, type RunReport } from './runReport.js';
export { batchSummaryToCsv, type BatchRow, type BatchStatus } from './batchSummary.js';
export { metricsForMasks } from './maskMetrics.js';
