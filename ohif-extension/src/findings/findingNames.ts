/**
 * TorchXRayVision's labels as the sidecar's SRs code and name them: the concept of each label
 * (inference-service/src/sr/findingCodes.ts) and the name a reader sees (its meaning, with its finding
 * site where it has one: findingDisplayName). A test holds both tables equal to the sidecar's. The
 * extension ships alone into OHIF builds, so it keeps its own copy.
 */
export const findingNames: Readonly<Record<string, string>> = Object.freeze({
  Atelectasis: 'Atelectasis',
  Consolidation: 'Lung consolidation',
  Infiltration: 'Infiltrate',
  Pneumothorax: 'Pneumothorax',
  Edema: 'Pulmonary edema',
  Emphysema: 'Pulmonary emphysema',
  Fibrosis: 'Fibrosis of lung',
  Effusion: 'Pleural effusion',
  Pneumonia: 'Pneumonia',
  Pleural_Thickening: 'Pleural thickening',
  Cardiomegaly: 'Cardiomegaly',
  Nodule: 'Pulmonary nodule',
  Mass: 'Mass',
  Hernia: 'Hiatal hernia',
  'Lung Lesion': 'Lesion (lung)',
  Fracture: 'Fracture of bone',
  'Lung Opacity': 'Abnormal opacity',
  'Enlarged Cardiomediastinum': 'Enlarged (mediastinum)',
});

/** Each label's concept as `CodingSchemeDesignator:CodeValue`. */
export const findingConcepts: Readonly<Record<string, string>> = Object.freeze({
  Atelectasis: 'SCT:46621007',
  Consolidation: 'SCT:95436008',
  Infiltration: 'DCM:112121',
  Pneumothorax: 'SCT:36118008',
  Edema: 'SCT:19242006',
  Emphysema: 'SCT:87433001',
  Fibrosis: 'SCT:51615001',
  Effusion: 'SCT:60046008',
  Pneumonia: 'SCT:233604007',
  Pleural_Thickening: '99CXRF:PL-THICKENING',
  Cardiomegaly: 'SCT:8186001',
  Nodule: 'SCT:786838002',
  Mass: 'SCT:4147007',
  Hernia: 'SCT:84089009',
  'Lung Lesion': 'SCT:52988006',
  Fracture: 'SCT:125605004',
  'Lung Opacity': 'DCM:112033',
  'Enlarged Cardiomediastinum': 'SCT:260376009',
});

/** A label the table lacks (a custom model's) is shown as the model names it. */
export function findingName(label: string): string {
  return findingNames[label] ?? label.replace(/_/g, ' ');
}
