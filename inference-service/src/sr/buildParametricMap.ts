import { camImage } from '../cam/index.ts';
import type { FindingCam } from '../cam/index.ts';
import type { DicomDataset } from '../dicom/types.ts';
import type { ModelCard } from '../model/modelCard.ts';
import type { ImageFindings } from '../pipeline/types.ts';
import type { CropGeometry } from '../xray/types.ts';
import { imageReference, isDemoResult, seriesDescription } from './buildFindingsSr.ts';
import type { FindingsSr } from './buildFindingsSr.ts';
import { parametricMapConcepts, parametricMapSopClassUid } from './codes.ts';
import { codeSequence } from './contentItems.ts';
import { encodeParametricMap } from './encodeParametricMap.ts';
import { findingDisplayName } from './findingCodes.ts';
import { defaultSoftware, deviceName, objectHeader } from './srHeader.ts';
import type { Software } from './srHeader.ts';
import { nameBasedUid, parametricMapUids } from './uids.ts';

export interface ParametricMapInput {
  readonly image: DicomDataset;
  readonly result: ImageFindings;
  readonly card: ModelCard;
  /** The CAMs to hold, one frame each in this order (computeCams' output for the findings chosen). */
  readonly cams: readonly FindingCam[];
  /** The model's crop of the image (the CAMs cover it) and the image's size. */
  readonly crop: CropGeometry;
  readonly size: { readonly width: number; readonly height: number };
  readonly now?: Date;
  readonly software?: Software;
}

export interface ParametricMap extends FindingsSr {
  /** Frame number (1-based) by finding label: what the TID 1500 result's Illustration of ROI points at. */
  readonly frames: ReadonlyMap<string, number>;
  /** How long building it took (sampling the CAMs and encoding), for the sidecar's stage timings. */
  readonly buildMs: number;
}

/**
 * The heatmaps of one image as a DICOM Parametric Map (PS3.3 A.75): one float32 frame per CAM on a grid
 * that covers the whole image (heatmapGrid), each frame labelled with its finding and its Real World Value
 * Mapping saying what the numbers are (0..1, the CAM scaled between its minimum and its peak over the crop
 * the model saw; 0 outside that crop). Its own series, deterministic UIDs per (image, model) like the SRs
 * (uids.ts), the same header (srHeader.ts).
 *
 * The IOD requires a Frame of Reference and plane geometry, which a projection radiograph does not have:
 * the map gets its own frame of reference (one per image), in which the plane is the image's pixel grid
 * (origin at the centre of its first pixel, rows along x, columns along y, the image's pixel spacing), so
 * the position and spacing of the cells say exactly which pixels each covers.
 */
export function buildParametricMap(input: ParametricMapInput): ParametricMap {
  const { image, result, card, cams, crop, size } = input;
  if (cams.length === 0) throw new Error('buildParametricMap: no CAM to hold; a Parametric Map needs at least one frame');
  const started = performance.now();
  const now = input.now ?? new Date();
  const software = input.software ?? defaultSoftware;
  const imageRef = imageReference(image, result, card);
  const { SOPInstanceUID, SeriesInstanceUID } = parametricMapUids(imageRef.SOPInstanceUID, result.model.onnxSha256);
  const isDemo = isDemoResult(card, result);
  const labels = cams.map((cam) => {
    const label = card.labels[cam.finding];
    if (label === undefined) throw new Error(`buildParametricMap: the card has no finding ${cam.finding}`);
    return label;
  });
  const grid = heatmapGrid(size);
  const frameSize = grid.width * grid.height;
  const pixels = new Float32Array(cams.length * frameSize);
  cams.forEach((cam, f) => camImage(cam, crop, size, grid, pixels.subarray(f * frameSize, (f + 1) * frameSize)));
  const [rowSpacing, columnSpacing] = pixelSpacingOf(image);
  const cell = { x: size.width / grid.width, y: size.height / grid.height };

  const source = { ReferencedSOPClassUID: imageRef.SOPClassUID, ReferencedSOPInstanceUID: imageRef.SOPInstanceUID };
  const dimensionOrganization = nameBasedUid('pmap-dimensions', imageRef.SOPInstanceUID, result.model.onnxSha256);
  const header = objectHeader({
    image,
    result,
    card,
    now,
    software,
    SOPClassUID: parametricMapSopClassUid,
    SOPInstanceUID,
    SeriesInstanceUID,
    Modality: modalityOf(image),
    SeriesDescription: seriesDescription('CXR heatmaps', card, isDemo),
    kind: 'parametric map',
    concepts: [parametricMapConcepts.derivation, parametricMapConcepts.classActivation],
  });
  // Its Type 3 form in General Series, not Parametric Map Series' 1C (we have no performed procedure step).
  delete header['ReferencedPerformedProcedureStepSequence'];
  const dataset: DicomDataset = {
    ...header,
    FrameOfReferenceUID: nameBasedUid('pmap-frame-of-reference', imageRef.SOPInstanceUID),
    PositionReferenceIndicator: '',
    // Enhanced General Equipment (C.7.5.2): a serial number is type 1; software has none, so the product's name.
    DeviceSerialNumber: deviceName,
    ImageType: imageType,
    ContentLabel: 'HEATMAP',
    ContentDescription: `Where the model looked, per finding (${isDemo ? 'DEMO MODEL' : card.id})`.slice(0, 64),
    ContentCreatorName: [],
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: grid.height,
    Columns: grid.width,
    BitsAllocated: 32,
    PresentationLUTShape: 'IDENTITY',
    LossyImageCompression: '00',
    BurnedInAnnotation: 'NO',
    RecognizableVisualFeatures: 'NO',
    // No model here is a cleared product: TorchXRayVision's weights are research models.
    ContentQualification: 'RESEARCH',
    NumberOfFrames: cams.length,
    AcquisitionContextSequence: [],
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganization }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionOrganization,
        DimensionIndexPointer: tags.frameLabel,
        FunctionalGroupPointer: tags.frameContentSequence,
        DimensionDescriptionLabel: 'Finding',
      },
    ],
    ReferencedSeriesSequence: [{ SeriesInstanceUID: imageRef.SeriesInstanceUID, ReferencedInstanceSequence: [source] }],
    SharedFunctionalGroupsSequence: [
      {
        DerivationImageSequence: [
          {
            DerivationCodeSequence: codeSequence(parametricMapConcepts.derivation),
            DerivationDescription: 'Class activation maps of the findings model, upsampled to the image',
            SourceImageSequence: [
              {
                ...source,
                PurposeOfReferenceCodeSequence: codeSequence(parametricMapConcepts.sourceImage),
                SpatialLocationsPreserved: grid.width === size.width && grid.height === size.height ? 'YES' : 'NO',
              },
            ],
          },
        ],
        FrameAnatomySequence: [{ AnatomicRegionSequence: codeSequence(parametricMapConcepts.chest), FrameLaterality: 'U' }],
        ParametricMapFrameTypeSequence: [{ FrameType: imageType }],
        PixelMeasuresSequence: [{ PixelSpacing: [rowSpacing * cell.y, columnSpacing * cell.x], SliceThickness: 1 }],
        PlaneOrientationSequence: [{ ImageOrientationPatient: [1, 0, 0, 0, 1, 0] }],
        PixelValueTransformationSequence: [{ RescaleIntercept: 0, RescaleSlope: 1, RescaleType: 'US' }],
      },
    ],
  };
  const frames = labels.map((label, f) => ({
    FrameContentSequence: [{ DimensionIndexValues: [f + 1], FrameLabel: findingDisplayName(label).slice(0, 64) }],
    // The centre of the first cell, in a plane whose origin is the centre of the image's first pixel.
    PlanePositionSequence: [{ ImagePositionPatient: [(cell.x / 2 - 0.5) * columnSpacing, (cell.y / 2 - 0.5) * rowSpacing, 0] }],
    RealWorldValueMappingSequence: [realWorldValueMapping(label)],
  }));
  const part10 = encodeParametricMap(dataset, frames, pixels);
  return { dataset: { ...dataset, PerFrameFunctionalGroupsSequence: frames }, part10, SOPInstanceUID, SeriesInstanceUID, frames: new Map(labels.map((label, f) => [label, f + 1])), buildMs: performance.now() - started };
}

/**
 * The maps' grid: the image's own pixels up to `heatmapMaxSide` on the longer side, else the image's extent
 * in fewer, equal cells. A CAM is a 7×7 map blended bilinearly (computeCams): 128 cells a side put ~18 on
 * each stretch between two of its samples, along which it is linear, so a viewer's own smoothing restores it;
 * at the image's size a 3000×2500 radiograph would carry 30 MB per finding (a 256 grid cost ~30 ms per image
 * in the sidecar, measured).
 */
export const heatmapMaxSide = 128;

function heatmapGrid(size: { readonly width: number; readonly height: number }): { width: number; height: number } {
  const k = Math.max(1, Math.max(size.width, size.height) / heatmapMaxSide);
  return { width: Math.max(1, Math.round(size.width / k)), height: Math.max(1, Math.round(size.height / k)) };
}

/** PS3.3 C.8.16.1 values: derived, primary, image flavor, derived pixel contrast. VOLUME is the flavor dciodvfy's
 * tables know for a Parametric Map (MIXED, OTHER, PROJECTION are flagged); NONE: no pixel arithmetic on the image. */
const imageType = Object.freeze(['DERIVED', 'PRIMARY', 'VOLUME', 'NONE']);

/**
 * The image's pixel spacing (PixelSpacing, else ImagerPixelSpacing), else 1 mm: the map's plane is the
 * image's pixel grid, so its spacing must be the image's for both to scale alike in a viewer.
 */
function pixelSpacingOf(image: DicomDataset): [number, number] {
  for (const key of ['PixelSpacing', 'ImagerPixelSpacing']) {
    const value = image[key];
    const spacing = Array.isArray(value) ? value.map(Number) : [];
    if (spacing.length === 2 && spacing.every((v) => Number.isFinite(v) && v > 0)) return [spacing[0] as number, spacing[1] as number];
  }
  return [1, 1];
}

/** DimensionIndexPointer and FunctionalGroupPointer are AT: a tag as group << 16 | element. */
const tags = Object.freeze({ frameLabel: 0x00209453, frameContentSequence: 0x00209111 });

/** The CAM's values are unitless, 0 to 1 (camImage); the mapping is the identity and says so. */
function realWorldValueMapping(label: string): DicomDataset {
  return {
    DoubleFloatRealWorldValueFirstValueMapped: 0,
    DoubleFloatRealWorldValueLastValueMapped: 1,
    RealWorldValueIntercept: 0,
    RealWorldValueSlope: 1,
    LUTExplanation: `CAM of ${findingDisplayName(label)}, 0 min to 1 peak`.slice(0, 64),
    LUTLabel: 'CAM',
    MeasurementUnitsCodeSequence: codeSequence(parametricMapConcepts.noUnits),
    QuantityDefinitionSequence: [
      { ValueType: 'CODE', ConceptNameCodeSequence: codeSequence(parametricMapConcepts.quantity), ConceptCodeSequence: codeSequence(parametricMapConcepts.classActivation) },
    ],
  };
}

/** The source's modality (a Parametric Map's series says what it was derived from); OT when it has none. */
function modalityOf(image: DicomDataset): string {
  const value = image['Modality'];
  return typeof value === 'string' && /^[A-Z0-9_ ]{1,16}$/.test(value) ? value : 'OT';
}
