/**
 * One cine viewport showing the study's first ultrasound multi-frame series (a TRUS loop).
 * Single-frame or non-US series are not matched: the study browser still lists them.
 */
import { HANGING_PROTOCOL_ID } from './id.js';

const protocol = {
  id: HANGING_PROTOCOL_ID,
  name: 'TRUS cine (single viewport)',
  description: 'One viewport with the ultrasound cine loop',
  protocolMatchingRules: [],
  toolGroupIds: ['default'],
  displaySetSelectors: {
    trusCine: {
      seriesMatchingRules: [
        { attribute: 'Modality', constraint: { equals: { value: 'US' } }, required: true },
        { attribute: 'numImageFrames', constraint: { greaterThan: { value: 1 } }, required: true },
      ],
    },
  },
  stages: [
    {
      name: 'cine',
      viewportStructure: { layoutType: 'grid', properties: { rows: 1, columns: 1 } },
      viewports: [
        {
          viewportOptions: { viewportId: 'trus-cine', viewportType: 'stack', toolGroupId: 'default', allowUnmatchedView: true },
          displaySets: [{ id: 'trusCine' }],
        },
      ],
    },
  ],
};

export default function getHangingProtocolModule() {
  return [{ name: HANGING_PROTOCOL_ID, protocol }];
}
