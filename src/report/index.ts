export { reportToCsv, reportToJson, RESEARCH_NOTE, type RunReport } from './runReport.js';
export { metricsForMasks } from './maskMetrics.js';
