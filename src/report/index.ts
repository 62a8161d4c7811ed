export { reportToCsv, reportToJson, reportWarnings, RESEARCH_NOTE, type RunReport } from './runReport.js';
export { metricsForMasks } from './maskMetrics.js';
