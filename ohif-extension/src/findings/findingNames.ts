/**
 * TorchXRayVision's labels as the SR names them (the CodeMeaning of inference-service/src/sr/findingCodes.ts;
 * a test holds the two equal). The extension ships alone into OHIF builds, so it keeps its own copy.
 */
export const findingNames: Readonly<Record<string, string>> = Object.freeze({
  Atelectasis: 'Atelectasis',
  Consolidation: 'Lung consolidation',
  Infiltration: 'Radiologic infiltrate of lung',
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
  Hernia: 'Hernia',
  'Lung Lesion': 'Lung lesion',
  Fracture: 'Fracture of bone',
  'Lung Opacity': 'Opacity',
  'Enlarged Cardiomediastinum': 'Enlarged cardiomediastinum',
});

/** A label the table lacks (a custom model's) is shown as the model names it. */
export function findingName(label: string): string {
  return findingNames[label] ?? label.replace(/_/g, ' ');
}
