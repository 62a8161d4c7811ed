export { reportToCsv, reportToJson, reportWarnings, RESEARCH_NOTE, type ProbabilityMaps, type RunReport } from './runReport.js';
export { batchSummaryToCsv, type BatchRow, type BatchStatus, type ReportFigures } from './batchSummary.js';
export { metricsForMasks } from './maskMetrics.js';
export { prostateVolume, studyVolumes, loopOfReport, volumeText, volumeToJson, VolumeError, ELLIPSOID_FORMULA, type PlaneLoop, type ProstateVolume, type StudyVolumes } from './prostateVolume.js';
