/**
 * DICOM Segmentation Storage (BINARY) over a cine source, in the highdicom manner: one class,
 * inputs validated when it is constructed, so an invalid SEG cannot be built.
 *
 * Rules for cine ultrasound (the README's "DICOM SEG for a cine"):
 * - one SEG frame per source frame per segment, empty frames kept;
 * - each SEG frame names its source frame (DerivationImageSequence > SourceImageSequence,
 *   ReferencedFrameNumber 1-based);
 * - no Frame of Reference, Pixel Measures, Plane Position or Plane Orientation (US cine has no
 *   patient geometry);
 * - dimensions: Referenced Segment Number, then Temporal Position Index (so viewers keep the
 *   frames apart in time instead of collapsing them onto one spatial position);
 * - patient and study attributes copied from this SEG's own source only.
 */
import { writePart10, type NaturalDataset } from './part10.js';
import { SopClass, TransferSyntax, createUID } from './uids.js';
import { Codes, type CodedConcept } from './codes.js';
import { packBinaryFrames, type MaskFrame } from './bitPacking.js';
import { IMPLEMENTATION_VERSION_NAME } from './part10.js';

/** What a SEG needs to know about the image it segments (a CineImage satisfies it). */
export interface SegmentationSource {
  dataset: NaturalDataset;
  sopClassUID: string;
  sopInstanceUID: string;
  seriesInstanceUID: string;
  studyInstanceUID: string;
  numberOfFrames: number;
  rows: number;
  columns: number;
}

export interface AlgorithmIdentification {
  name: string;
  version: string;
  /** sha256 of the model weights, hex. */
  weightsSha256?: string;
  /** Free text appended to Algorithm Parameters (e.g. threshold). */
  parameters?: string;
  /** Algorithm Family (default: Artificial Intelligence). */
  family?: CodedConcept;
}

export interface SegmentDescription {
  label: string;
  category?: CodedConcept;
  type?: CodedConcept;
  algorithmType: 'AUTOMATIC' | 'SEMIAUTOMATIC' | 'MANUAL';
  algorithm?: AlgorithmIdentification;
  /** Recommended display colour as DICOM CIELab (0..65535 each). */
  recommendedDisplayCIELabValue?: [number, number, number];
  /** One mask per source frame, rows*columns values, non-zero = inside (or bit-packed). */
  frames: MaskFrame[];
}

export interface SegmentationOptions {
  source: SegmentationSource;
  segments: SegmentDescription[];
  seriesDescription?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  contentLabel?: string;
  contentDescription?: string;
  contentCreatorName?: string;
  manufacturer?: string;
  manufacturerModelName?: string;
  softwareVersions?: string;
  deviceSerialNumber?: string;
  seriesInstanceUID?: string;
  sopInstanceUID?: string;
  /** Fixed for reproducible output (the phantom); a new UID otherwise. */
  dimensionOrganizationUID?: string;
}

/** Patient and study attributes that a derived object carries over from its source. */
const COPIED_FROM_SOURCE = [
  'SpecificCharacterSet',
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'PatientBirthDate',
  'PatientSex',
  'PatientAge',
  'OtherPatientIDsSequence',
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'StudyID',
  'AccessionNumber',
  'ReferringPhysicianName',
  'StudyDescription',
  'ClinicalTrialSponsorName',
  'ClinicalTrialProtocolID',
  'ClinicalTrialSubjectID',
] as const;

/** Type 2 attributes of the Patient and General Study modules: present even when empty. */
const TYPE2_DEFAULTS: Record<string, string> = {
  PatientName: '',
  PatientID: '',
  PatientBirthDate: '',
  PatientSex: '',
  StudyDate: '',
  StudyTime: '',
  StudyID: '',
  AccessionNumber: '',
  ReferringPhysicianName: '',
};

export class SegmentationValidationError extends Error {
  constructor(message: string) {
    super(`invalid segmentation: ${message}`);
    this.name = 'SegmentationValidationError';
  }
}

function dicomDateTime(d: Date): { date: string; time: string } {
  const iso = d.toISOString();
  return { date: iso.slice(0, 10).replace(/-/g, ''), time: iso.slice(11, 19).replace(/:/g, '') };
}

function code(c: CodedConcept): NaturalDataset[] {
  return [{ CodeValue: c.CodeValue, CodingSchemeDesignator: c.CodingSchemeDesignator, CodeMeaning: c.CodeMeaning }];
}

// Tags as numbers, the form dcmjs writes Attribute Tag (AT) values from.
const TAG = {
  SegmentIdentificationSequence: 0x0062000a,
  ReferencedSegmentNumber: 0x0062000b,
  FrameContentSequence: 0x00209111,
  TemporalPositionIndex: 0x00209128,
} as const;

export class BinarySegmentation {
  readonly sopInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly source: SegmentationSource;
  readonly segments: readonly SegmentDescription[];
  private readonly options: SegmentationOptions;

  constructor(options: SegmentationOptions) {
    const { source, segments } = options;
    for (const key of ['sopClassUID', 'sopInstanceUID', 'seriesInstanceUID', 'studyInstanceUID'] as const) {
      if (!source[key]) throw new SegmentationValidationError(`source has no ${key}`);
    }
    if (source.dataset.StudyInstanceUID !== undefined && source.dataset.StudyInstanceUID !== source.studyInstanceUID) {
      throw new SegmentationValidationError('source dataset and source studyInstanceUID disagree');
    }
    if (!Number.isInteger(source.numberOfFrames) || source.numberOfFrames < 1) {
      throw new SegmentationValidationError(`source has ${source.numberOfFrames} frames`);
    }
    if (segments.length === 0) throw new SegmentationValidationError('at least one segment is required');
    const pixels = source.rows * source.columns;
    segments.forEach((s, i) => {
      const n = i + 1;
      if (!s.label.trim()) throw new SegmentationValidationError(`segment ${n} has no label`);
      if (s.label.length > 64) throw new SegmentationValidationError(`segment ${n} label exceeds 64 characters`);
      if (s.algorithmType !== 'MANUAL' && (!s.algorithm?.name || !s.algorithm.version)) {
        throw new SegmentationValidationError(`segment ${n} is ${s.algorithmType} but has no algorithm name and version`);
      }
      if (s.algorithm?.weightsSha256 !== undefined && !/^[0-9a-f]{64}$/.test(s.algorithm.weightsSha256)) {
        throw new SegmentationValidationError(`segment ${n} weights hash is not a lowercase hex sha256`);
      }
      if (s.frames.length !== source.numberOfFrames) {
        throw new SegmentationValidationError(`segment ${n} has ${s.frames.length} frames, the source has ${source.numberOfFrames}`);
      }
      s.frames.forEach((f, k) => {
        if (f.length !== pixels) {
          throw new SegmentationValidationError(`segment ${n} frame ${k + 1} has ${f.length} pixels, expected ${source.rows}x${source.columns}`);
        }
      });
    });
    const label = options.contentLabel ?? 'PROSTATE_SEG';
    if (!/^[A-Z0-9_ ]{1,16}$/.test(label)) {
      throw new SegmentationValidationError(`Content Label "${label}" must be 1-16 characters of A-Z, 0-9, space or _`);
    }
    this.options = options;
    this.source = source;
    this.segments = segments;
    this.sopInstanceUID = options.sopInstanceUID ?? createUID();
    this.seriesInstanceUID = options.seriesInstanceUID ?? createUID();
  }

  get numberOfFrames(): number {
    return this.segments.length * this.source.numberOfFrames;
  }

  toDataset(now: Date = new Date()): NaturalDataset {
    const o = this.options;
    const src = this.source;
    const { date, time } = dicomDateTime(now);
    const ds: NaturalDataset = { ...TYPE2_DEFAULTS };
    for (const key of COPIED_FROM_SOURCE) {
      if (src.dataset[key] !== undefined) ds[key] = src.dataset[key];
    }
    ds.StudyInstanceUID = src.studyInstanceUID;
    const firstAlgorithm = this.segments.find((s) => s.algorithm)?.algorithm;
    Object.assign(ds, {
      SOPClassUID: SopClass.Segmentation,
      SOPInstanceUID: this.sopInstanceUID,
      Modality: 'SEG',
      SeriesInstanceUID: this.seriesInstanceUID,
      SeriesNumber: o.seriesNumber ?? 900,
      SeriesDescription: o.seriesDescription ?? 'Prostate segmentation (trus-cine-seg)',
      SeriesDate: date,
      SeriesTime: time,
      InstanceNumber: o.instanceNumber ?? 1,
      // Type 2C in General Image when there is no Frame of Reference: present, empty (no patient orientation for US).
      PatientOrientation: '',
      ContentDate: date,
      ContentTime: time,
      InstanceCreationDate: date,
      InstanceCreationTime: time,
      Manufacturer: o.manufacturer ?? 'trus-cine-seg',
      ManufacturerModelName: o.manufacturerModelName ?? firstAlgorithm?.name ?? 'trus-cine-seg',
      DeviceSerialNumber: o.deviceSerialNumber ?? '0',
      SoftwareVersions: o.softwareVersions ?? IMPLEMENTATION_VERSION_NAME,
      ImageType: ['DERIVED', 'PRIMARY'],
      ContentLabel: o.contentLabel ?? 'PROSTATE_SEG',
      ContentDescription: o.contentDescription ?? 'Prostate segmentation of every cine frame',
      ContentCreatorName: o.contentCreatorName ?? '',
      SegmentationType: 'BINARY',
      SegmentsOverlap: this.segments.length === 1 ? 'NO' : 'UNDEFINED',
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: src.rows,
      Columns: src.columns,
      BitsAllocated: 1,
      BitsStored: 1,
      HighBit: 0,
      PixelRepresentation: 0,
      LossyImageCompression: '00',
      NumberOfFrames: this.numberOfFrames,
      SegmentSequence: this.segments.map((s, i) => this.segmentItem(s, i + 1)),
      DimensionOrganizationSequence: [{ DimensionOrganizationUID: o.dimensionOrganizationUID ?? createUID() }],
      SharedFunctionalGroupsSequence: [{}],
      ReferencedSeriesSequence: [
        {
          SeriesInstanceUID: src.seriesInstanceUID,
          ReferencedInstanceSequence: [{ ReferencedSOPClassUID: src.sopClassUID, ReferencedSOPInstanceUID: src.sopInstanceUID }],
        },
      ],
    });
    const organisationUID = ds.DimensionOrganizationSequence[0].DimensionOrganizationUID;
    ds.DimensionIndexSequence = [
      {
        DimensionOrganizationUID: organisationUID,
        DimensionIndexPointer: TAG.ReferencedSegmentNumber,
        FunctionalGroupPointer: TAG.SegmentIdentificationSequence,
        DimensionDescriptionLabel: 'Segment',
      },
      {
        DimensionOrganizationUID: organisationUID,
        DimensionIndexPointer: TAG.TemporalPositionIndex,
        FunctionalGroupPointer: TAG.FrameContentSequence,
        DimensionDescriptionLabel: 'Cine frame',
      },
    ];
    ds.PerFrameFunctionalGroupsSequence = this.perFrameGroups();
    ds.PixelData = [packBinaryFrames(this.segments.flatMap((s) => s.frames), src.rows * src.columns).buffer];
    ds._vrMap = { PixelData: 'OB' };
    return ds;
  }

  /** The SEG as a Part 10 file (Explicit VR Little Endian). */
  toPart10(now?: Date): Uint8Array {
    // dcmjs spent about 90 of the 105 ms a 300-frame SEG took on the per-frame items.
    return writePart10(this.toDataset(now), TransferSyntax.ExplicitVRLittleEndian, { encodeLast: ['PerFrameFunctionalGroupsSequence', 'PixelData'] });
  }

  private segmentItem(s: SegmentDescription, segmentNumber: number): NaturalDataset {
    const item: NaturalDataset = {
      SegmentNumber: segmentNumber,
      SegmentLabel: s.label,
      SegmentAlgorithmType: s.algorithmType,
      SegmentedPropertyCategoryCodeSequence: code(s.category ?? Codes.AnatomicalStructure),
      SegmentedPropertyTypeCodeSequence: code(s.type ?? Codes.Prostate),
    };
    if (s.algorithm) {
      item.SegmentAlgorithmName = s.algorithm.name;
      const params = [s.algorithm.weightsSha256 ? `weights_sha256=${s.algorithm.weightsSha256}` : '', s.algorithm.parameters ?? '']
        .filter(Boolean)
        .join('; ');
      item.SegmentationAlgorithmIdentificationSequence = [
        {
          AlgorithmFamilyCodeSequence: code(s.algorithm.family ?? Codes.ArtificialIntelligence),
          AlgorithmName: s.algorithm.name,
          AlgorithmVersion: s.algorithm.version,
          ...(params ? { AlgorithmParameters: params } : {}),
        },
      ];
    }
    if (s.recommendedDisplayCIELabValue) item.RecommendedDisplayCIELabValue = s.recommendedDisplayCIELabValue;
    return item;
  }

  private perFrameGroups(): NaturalDataset[] {
    const src = this.source;
    const groups: NaturalDataset[] = [];
    this.segments.forEach((_, i) => {
      const segmentNumber = i + 1;
      for (let f = 1; f <= src.numberOfFrames; f++) {
        groups.push({
          FrameContentSequence: [{ DimensionIndexValues: [segmentNumber, f], TemporalPositionIndex: f }],
          DerivationImageSequence: [
            {
              DerivationCodeSequence: code(Codes.Segmentation),
              SourceImageSequence: [
                {
                  ReferencedSOPClassUID: src.sopClassUID,
                  ReferencedSOPInstanceUID: src.sopInstanceUID,
                  ReferencedFrameNumber: f,
                  PurposeOfReferenceCodeSequence: code(Codes.SourceImageForProcessing),
                },
              ],
            },
          ],
          SegmentIdentificationSequence: [{ ReferencedSegmentNumber: segmentNumber }],
        });
      }
    });
    return groups;
  }
}
