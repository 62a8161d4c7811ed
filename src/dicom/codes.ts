/** Coded concepts the SEG writer uses, with the standard's code values and meanings. */

export interface CodedConcept {
  CodeValue: string;
  CodingSchemeDesignator: string;
  CodeMeaning: string;
}

export const Codes = {
  /** SCT 91723000, CID 7150 Segmentation Property Categories. */
  AnatomicalStructure: { CodeValue: '91723000', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Anatomical structure' },
  /** SCT 41216001, CID 7151 Segmentation Property Types. */
  Prostate: { CodeValue: '41216001', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Prostate' },
  /** DCM 113076, CID 7203 Image Derivation. */
  Segmentation: { CodeValue: '113076', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Segmentation' },
  /** DCM 121322, CID 7202 Source Image Purposes of Reference. */
  SourceImageForProcessing: { CodeValue: '121322', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Source image for image processing operation' },
  /** DCM 123110, CID 7162 Surface Processing Algorithm Families. */
  ArtificialIntelligence: { CodeValue: '123110', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Artificial Intelligence' },
  /** SCT 62824007, a View Code Sequence value (PS3.17 gives it for planar views). */
  Transverse: { CodeValue: '62824007', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Transverse' },
  /** SCT 30730003, a View Code Sequence value. */
  Sagittal: { CodeValue: '30730003', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Sagittal' },
} as const satisfies Record<string, CodedConcept>;
