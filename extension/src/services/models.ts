/** The models the viewer offers: the shipped student (default) and the plain 2D teacher. */
export interface ModelChoice {
  id: string;
  label: string;
  /** URL of the model's model.json (weights beside it). */
  manifestUrl: string;
}

/** The viewer assembly serves models/ beside the extension's folder (see webpack.config.js). */
export function defaultModels(base: string = import.meta.url): ModelChoice[] {
  return [
    { id: 'trus-student', label: 'Distilled student', manifestUrl: new URL('../models/trus-student/model.json', base).href },
    { id: 'trus-teacher', label: '2D teacher (per frame)', manifestUrl: new URL('../models/trus-teacher/model.json', base).href },
  ];
}
