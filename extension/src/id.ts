/** The extension's id: also its bare module name in the viewer's import map. */
export const EXTENSION_ID = 'trus-cine-seg-extension';
export const SERVICE_NAME = 'trusSegmentationService';
export const PANEL_NAME = 'temporalConsistency';
export const PANEL_ID = `${EXTENSION_ID}.panelModule.${PANEL_NAME}`;
/** The host registers a hanging protocol under its module entry's name, and modes name it so. */
export const HANGING_PROTOCOL_ID = 'trus-cine-seg-cine';
