/** The models the viewer offers: the shipped student (default) and the plain 2D teacher. */
export interface ModelChoice {
  id: string;
  label: string;
  /** URL of the model's model.json (weights beside it). */
  manifestUrl: string;
}

/**
 * The models are served in models/ beside the folder of the extension's runtime files (the viewer
 * assembly, webpack.config.js, and the npm package both lay them out so); `base` is a URL in that folder.
 */
export function defaultModels(base: string): ModelChoice[] {
  return [
    { id: 'trus-student', label: 'Distilled student', manifestUrl: new URL('../models/trus-student/model.json', base).href },
    { id: 'trus-teacher', label: '2D teacher (per frame)', manifestUrl: new URL('../models/trus-teacher/model.json', base).href },
  ];
}
