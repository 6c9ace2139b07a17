import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import type { DicomDataset } from '../../inference-service/src/dicom/index.ts';
import { sequenceItemBytes } from '../../inference-service/src/dicom/appendSequenceItems.ts';
import { expectFastEncoding } from '../support/fastEncoding.ts';
import { encodeDataSetWithDcmjs, writePart10, writePart10WithDcmjs } from '../../inference-service/src/dicom/writePart10.ts';
import { encodeContentItems } from '../../inference-service/src/sr/encodeSr.ts';
import { buildFindingsSr, findingDisplayName, readFindingsSrIdentity, scoreExplanation, seriesNumberFor, srSopClassUids } from '../../inference-service/src/sr/index.ts';
import { realJpegBaselineDcm, repoRoot } from '../support/paths.ts';
import {
  dcentvfyErrors,
  dciodvfyErrors,
  demoCard,
  findingsFor,
  onnxShaA,
  onnxShaB,
  pixelmedTimeout,
  pixelmedValidate,
  readRealImage,
  removeTempFiles,
  runTool,
  spreadFindings,
  syntheticImage,
  upstreamCard,
  writeTemp,
} from './support.ts';

const now = new Date('2026-11-25T10:20:30Z');
const localNow = new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString();
const packageVersion = (JSON.parse(readFileSync(join(repoRoot, 'inference-service/package.json'), 'utf8')) as { version: string }).version;

function items(value: unknown): DicomDataset[] {
  return Array.isArray(value) ? (value as DicomDataset[]) : [];
}

function conceptMeaning(item: DicomDataset): unknown {
  return items(item['ConceptNameCodeSequence'])[0]?.['CodeMeaning'];
}

function rootItems(dataset: DicomDataset, meaning: string): DicomDataset[] {
  return items(dataset['ContentSequence']).filter((item) => conceptMeaning(item) === meaning);
}

function containerChildren(dataset: DicomDataset, meaning: string): DicomDataset[] {
  const [container] = rootItems(dataset, meaning);
  if (container === undefined) throw new Error(`no '${meaning}' container`);
  return items(container['ContentSequence']);
}

afterAll(removeTempFiles);

describe('buildFindingsSr', () => {
  describe('for the real SIIM chest radiograph', () => {
    const image = readRealImage();
    const findings = spreadFindings(upstreamCard.labels);
    const sr = buildFindingsSr({ image, result: findingsFor(image, upstreamCard, findings), card: upstreamCard, now });
    const path = writeTemp('sr.dcm', sr.part10);
    const readBack = readDicomDataset(sr.part10);

    it('should pass dciodvfy as a Comprehensive SR with no errors', () => {
      const { output } = runTool('dciodvfy', [path]);
      expect(output).toContain('ComprehensiveSR');
      expect(dciodvfyErrors(output)).toEqual([]);
    });

    it('should conform to TID 2000, the template it declares, by PixelMed: no errors, no item outside it', () => {
      expect(readBack.dataset['ContentTemplateSequence']).toMatchObject([{ MappingResource: 'DCMR', TemplateIdentifier: '2000' }]);
      const validation = pixelmedValidate(path);
      expect(validation.rootTemplate).toBe('TID_2000');
      expect(validation.errors).toEqual([]);
      expect(validation.outsideTemplate).toEqual([]);
    }, pixelmedTimeout);

    it('should be consistent with its image as one study by dcentvfy', () => {
      expect(dcentvfyErrors([realJpegBaselineDcm, path])).toEqual([]);
    });

    it("should be read by dsrdump, which lists every finding's name and value in %", () => {
      const { status, output } = runTool('dsrdump', ['+Pl', path]);
      expect(status).toBe(0);
      for (const label of upstreamCard.labels) {
        const percent = ((findings[label] ?? NaN) * 100).toFixed(2);
        const name = findingDisplayName(label);
        expect(output).toMatch(new RegExp(`<contains TEXT:\\(,,"Finding"\\)="${name.replace(/[()]/g, '\\$&')}: ${percent} %( \\(at or above the operating point\\))?">`));
      }
    });

    it('should write a Part-10 file with the SR SOP class and its UID in the meta header', () => {
      expect(readBack.meta['MediaStorageSOPClassUID']).toBe(srSopClassUids.comprehensiveSR);
      expect(readBack.meta['MediaStorageSOPInstanceUID']).toBe(sr.SOPInstanceUID);
      expect(readBack.meta['TransferSyntaxUID']).toBe('1.2.840.10008.1.2.1');
      expect(readBack.dataset['SOPInstanceUID']).toBe(sr.SOPInstanceUID);
      expect(readBack.dataset['Modality']).toBe('SR');
    });

    it("should be in a new series of the image's study and reference the image as evidence", () => {
      expect(readBack.dataset['StudyInstanceUID']).toBe(image['StudyInstanceUID']);
      expect(readBack.dataset['SeriesInstanceUID']).toBe(sr.SeriesInstanceUID);
      expect(sr.SeriesInstanceUID).not.toBe(image['SeriesInstanceUID']);
      const [study] = items(readBack.dataset['CurrentRequestedProcedureEvidenceSequence']);
      const [series] = items(study?.['ReferencedSeriesSequence']);
      const [sop] = items(series?.['ReferencedSOPSequence']);
      expect(study?.['StudyInstanceUID']).toBe(image['StudyInstanceUID']);
      expect(series?.['SeriesInstanceUID']).toBe(image['SeriesInstanceUID']);
      expect(sop).toMatchObject({ ReferencedSOPClassUID: image['SOPClassUID'], ReferencedSOPInstanceUID: image['SOPInstanceUID'] });
    });

    it('should copy the patient and study attributes of the image, empty ones included', () => {
      for (const key of ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber']) {
        expect(readBack.dataset, key).toHaveProperty(key);
        expect(readBack.dataset[key], key).toEqual(image[key]);
      }
    });

    it("should leave out the image's PatientAge, which is not a valid AS value ('62'), rather than copy or guess it", () => {
      expect(image['PatientAge']).toBe('62');
      expect(readBack.dataset).not.toHaveProperty('PatientAge');
    });

    it('should claim no time zone: the image states none for the study date it copies', () => {
      expect(image).not.toHaveProperty('TimezoneOffsetFromUTC');
      expect(readBack.dataset).not.toHaveProperty('TimezoneOffsetFromUTC');
    });

    it('should name the algorithm as contributing equipment, as IHE AIR 6.5.3.1 asks, with a device UID per model', () => {
      const [equipment, ...others] = items(readBack.dataset['ContributingEquipmentSequence']);
      expect(others).toEqual([]);
      expect(items(equipment?.['PurposeOfReferenceCodeSequence'])[0]).toMatchObject({ CodeValue: 'Newcode1', CodingSchemeDesignator: '99IHE', CodeMeaning: 'Processing Algorithm' });
      expect(equipment).toMatchObject({ Manufacturer: 'TorchXRayVision (Cohen et al.)', ManufacturerModelName: upstreamCard.id, SoftwareVersions: [upstreamCard.id, onnxShaA] });
      expect(equipment?.['ContributionDescription']).toContain(`ONNX SHA-256: ${onnxShaA}`);
      const other = readDicomDataset(buildFindingsSr({ image, result: findingsFor(image, upstreamCard, findings, onnxShaB), card: upstreamCard, now }).part10).dataset;
      const otherDevice = items(other['ContributingEquipmentSequence'])[0]?.['DeviceUID'];
      expect(equipment?.['DeviceUID']).toMatch(/^2\.25\.\d+$/);
      expect(otherDevice).toMatch(/^2\.25\.\d+$/);
      expect(otherDevice).not.toBe(equipment?.['DeviceUID']);
      expect(items(readBack.dataset['CodingSchemeIdentificationSequence']).map((s) => s['CodingSchemeDesignator'])).toContain('99IHE');
    });

    it('should carry the flags, dates and equipment of an unverified device report', () => {
      expect(readBack.dataset).toMatchObject({
        CompletionFlag: 'COMPLETE',
        VerificationFlag: 'UNVERIFIED',
        // Without a time zone from the image, the machine's local time (what an offset-less DICOM time means).
        ContentDate: localNow.slice(0, 10).replaceAll('-', ''),
        ContentTime: localNow.slice(11, 19).replaceAll(':', ''),
        InstanceCreationDate: localNow.slice(0, 10).replaceAll('-', ''),
        Manufacturer: 'CXR Findings project',
        SoftwareVersions: packageVersion,
        ValueType: 'CONTAINER',
        ContinuityOfContent: 'SEPARATE',
      });
      expect(items(readBack.dataset['ConceptNameCodeSequence'])[0]).toMatchObject({ CodeValue: '18748-4', CodingSchemeDesignator: 'LN' });
    });

    it('should hold one Finding TEXT per finding with its value in %, in the order of the model card', () => {
      const texts = containerChildren(readBack.dataset, 'Findings');
      expect(texts.map(conceptMeaning)).toEqual(upstreamCard.labels.map(() => 'Finding'));
      for (const [i, text] of texts.entries()) {
        const label = upstreamCard.labels[i] ?? '';
        const value = findings[label] ?? NaN;
        expect(text['ValueType']).toBe('TEXT');
        expect(text['TextValue']).toContain(`: ${(value * 100).toFixed(2)} %`);
        expect(String(text['TextValue']).endsWith('(at or above the operating point)')).toBe(value >= 0.5);
      }
    });

    it('should list in the impression exactly the findings at or above 0.5, highest first', () => {
      const [impression] = containerChildren(readBack.dataset, 'Impressions');
      const expected = upstreamCard.labels
        .filter((label) => (findings[label] ?? 0) >= 0.5)
        .sort((a, b) => (findings[b] ?? 0) - (findings[a] ?? 0))
        .map((label) => `${findingDisplayName(label)} ${((findings[label] ?? 0) * 100).toFixed(2)} %`);
      expect(expected.length).toBeGreaterThan(0);
      expect(impression?.['TextValue']).toBe(`At or above the operating point (50 %): ${expected.join(', ')}.`);
    });

    it('should describe the algorithm and its parameters in the contributing equipment, not in the content', () => {
      const description = String(items(readBack.dataset['ContributingEquipmentSequence'])[0]?.['ContributionDescription']).split('\r\n');
      expect(description).toContain(`ONNX SHA-256: ${onnxShaA}`);
      expect(description).toContain(`weights SHA-256: ${upstreamCard.weights?.sha256}`);
      expect(description).toContain('model kind: upstream');
      expect(rootItems(readBack.dataset, 'Algorithm Parameters')).toEqual([]);
      expect(containerChildren(readBack.dataset, 'Current Procedure Descriptions')[0]?.['TextValue']).toContain(upstreamCard.name);
      expect(items(rootItems(readBack.dataset, 'Observer Type')[0]?.['ConceptCodeSequence'])[0]).toMatchObject({
        CodeValue: '121007',
        CodingSchemeDesignator: 'DCM',
        CodeMeaning: 'Device',
      });
    });

    it('should say beside the numbers that they are operating-point scores, not probabilities of disease', () => {
      const descriptions = containerChildren(readBack.dataset, 'Current Procedure Descriptions').map((item) => item['TextValue']);
      expect(descriptions.slice(1)).toEqual([scoreExplanation]);
      expect(scoreExplanation).toMatch(/not calibrated probabilities of disease/);
    });

    it('should be recognised as ours for this image and model once read back', () => {
      expect(readFindingsSrIdentity(readBack.dataset)).toEqual({
        referencedSOPInstanceUID: image['SOPInstanceUID'],
        modelId: upstreamCard.id,
        onnxSha256: onnxShaA,
      });
    });

    it('should survive read → write → read unchanged', () => {
      const again = readDicomDataset(writePart10(readBack.dataset));
      expect(again.dataset).toEqual(readBack.dataset);
      expect(again.meta).toEqual(readBack.meta);
    });

    it('should give the same UIDs when built again later, and other UIDs for another model', () => {
      const later = buildFindingsSr({ image, result: findingsFor(image, upstreamCard, findings), card: upstreamCard });
      const other = buildFindingsSr({ image, result: findingsFor(image, upstreamCard, findings, onnxShaB), card: upstreamCard });
      expect([later.SOPInstanceUID, later.SeriesInstanceUID]).toEqual([sr.SOPInstanceUID, sr.SeriesInstanceUID]);
      expect(other.SOPInstanceUID).not.toBe(sr.SOPInstanceUID);
      expect(other.SeriesInstanceUID).not.toBe(sr.SeriesInstanceUID);
    });
  });

  describe('for a synthetic image with a non-ASCII patient name', () => {
    const image = syntheticImage();
    const sr = buildFindingsSr({ image, result: findingsFor(image, upstreamCard, spreadFindings(upstreamCard.labels)), card: upstreamCard, now });
    const path = writeTemp('synthetic.dcm', sr.part10);
    const readBack = readDicomDataset(sr.part10).dataset;

    it('should pass dciodvfy with no errors and dsrdump should read it', () => {
      expect(dciodvfyErrors(runTool('dciodvfy', [path]).output)).toEqual([]);
      const dump = runTool('dsrdump', [path]);
      expect(dump.status).toBe(0);
      expect(dump.output).toContain('Müller');
    });

    it('should declare UTF-8 and keep the name intact', () => {
      expect(sr.dataset['SpecificCharacterSet']).toBe('ISO_IR 192');
      expect(readBack['PatientName']).toEqual([{ Alphabetic: 'Müller^Jürgen' }]);
    });

    it('should present the type 2 attributes the image lacks, empty', () => {
      expect(readBack).toHaveProperty('PatientBirthDate');
      expect(readBack).toHaveProperty('ReferringPhysicianName');
      expect(readBack['StudyDescription']).toBe('Thorax PA');
    });

    it("should number its series from the image's own UID, so two images of one series get different numbers", () => {
      expect(readBack['SeriesNumber']).toBe(seriesNumberFor(image['SOPInstanceUID'] as string, 'readable report'));
      expect(seriesNumberFor('2.25.1', 'readable report')).not.toBe(seriesNumberFor('2.25.2', 'readable report'));
      expect(readBack['SeriesNumber']).toBeGreaterThanOrEqual(100_000_000);
      expect(readBack['SeriesNumber']).toBeLessThan(1_000_000_000);
    });

    it("should copy the Patient Study attributes, and the image's time zone, writing its own dates in it", () => {
      const withStudy = { ...image, PatientAge: '061Y', PatientWeight: 72.5, AdditionalPatientHistory: 'Smoker', TimezoneOffsetFromUTC: '+0130' };
      const copied = readDicomDataset(buildFindingsSr({ image: withStudy, result: findingsFor(image, upstreamCard, spreadFindings(upstreamCard.labels)), card: upstreamCard, now }).part10).dataset;
      expect(copied).toMatchObject({ PatientAge: '061Y', PatientWeight: 72.5, AdditionalPatientHistory: 'Smoker', TimezoneOffsetFromUTC: '+0130' });
      // 10:20:30 UTC is 11:50:30 at +01:30.
      expect(copied).toMatchObject({ ContentDate: '20261125', ContentTime: '115030' });
    });
  });

  describe('for a demo model', () => {
    const image = syntheticImage();
    const card = demoCard();
    const sr = buildFindingsSr({ image, result: findingsFor(image, card, spreadFindings(card.labels)), card, now });
    const readBack = readDicomDataset(sr.part10).dataset;

    it("should keep TID 2000's title (CID 7000 has no demo title) and say DEMO MODEL in the report's first words", () => {
      expect(items(readBack['ConceptNameCodeSequence'])[0]).toMatchObject({ CodeValue: '18748-4', CodingSchemeDesignator: 'LN' });
      expect(containerChildren(readBack, 'Current Procedure Descriptions')[0]?.['TextValue']).toMatch(/^DEMO MODEL - not clinically meaningful\. /);
    });

    it('should say DEMO MODEL in the series description, the contributing equipment and the impression', () => {
      expect(readBack['SeriesDescription']).toBe('CXR report (AI) - DEMO MODEL - not clinically meaningful');
      expect(items(readBack['ContributingEquipmentSequence'])[0]?.['Manufacturer']).toContain('DEMO MODEL');
      expect(containerChildren(readBack, 'Impressions')[0]?.['TextValue']).toMatch(/^DEMO MODEL - not clinically meaningful\. /);
    });

    it('should show the demo warning in dsrdump and still pass dciodvfy and TID 2000', () => {
      const path = writeTemp('demo.dcm', sr.part10);
      const dump = runTool('dsrdump', ['+Pl', path]).output;
      expect(dump).toContain('<contains TEXT:(,,"Procedure Description")="DEMO MODEL');
      expect(dciodvfyErrors(runTool('dciodvfy', [path]).output)).toEqual([]);
      const validation = pixelmedValidate(path);
      expect([validation.rootTemplate, validation.errors, validation.outsideTemplate]).toEqual(['TID_2000', [], []]);
    }, pixelmedTimeout);
  });

  describe('when no finding reaches the operating point', () => {
    it('should say so in the impression', () => {
      const image = syntheticImage();
      const low = Object.fromEntries(upstreamCard.labels.map((label) => [label, 0.4999]));
      const sr = buildFindingsSr({ image, result: findingsFor(image, upstreamCard, low), card: upstreamCard, now });
      expect(containerChildren(sr.dataset, 'Impressions')[0]?.['TextValue']).toBe('No finding reached the operating point (50 %).');
    });
  });

  describe('its bytes, assembled from a cached encoding of the context items', () => {
    it('should equal dcmjs writing the whole data set, for each model and again when cached', () => {
      const real = readRealImage();
      const synthetic = syntheticImage();
      const cases = [
        { image: real, card: upstreamCard, sha: onnxShaA },
        { image: synthetic, card: demoCard(), sha: onnxShaA },
        { image: synthetic, card: upstreamCard, sha: onnxShaB },
        { image: real, card: upstreamCard, sha: onnxShaA },
      ];
      const seen = new Set<string>();
      for (const { image, card, sha } of cases) {
        const sr = buildFindingsSr({ image, result: findingsFor(image, card, spreadFindings(card.labels), sha), card, now });
        expect(Buffer.from(sr.part10).equals(Buffer.from(writePart10WithDcmjs(sr.dataset)))).toBe(true);
        expectFastEncoding(sr.dataset);
        seen.add(Buffer.from(sr.part10).toString('base64'));
      }
      // The last case repeats the first: the same bytes; the others differ from each other.
      expect(seen.size).toBe(3);
    });

    it("should build the findings from templates, byte for byte as dcmjs, whatever each value's length", () => {
      // The templates are those of the Findings container's TEXT items (its shell plus one per finding).
      const sample = buildFindingsSr({ image: readRealImage(), result: findingsFor(readRealImage(), upstreamCard, spreadFindings(upstreamCard.labels)), card: upstreamCard, now });
      expect(containerChildren(sample.dataset, 'Findings').every((item) => item['ValueType'] === 'TEXT')).toBe(true);
      const image = readRealImage();
      const values = [0, 0.00004, 0.0555, 0.5, 0.99999, 1];
      for (const [i, value] of values.entries()) {
        // Each label gets a different value of the list, so every value meets several NUM templates.
        const findings = Object.fromEntries(upstreamCard.labels.map((label, j) => [label, values[(i + j) % values.length]!]));
        expect(Object.values(findings)).toContain(value);
        const sr = buildFindingsSr({ image, result: findingsFor(image, upstreamCard, findings), card: upstreamCard, now });
        const result = items(sr.dataset['ContentSequence']).slice(-2);
        const fromTemplates = encodeContentItems(result);
        const fromDcmjs = sequenceItemBytes(encodeDataSetWithDcmjs({ ContentSequence: result }), 0x0040, 0xa730);
        expect(fromTemplates && fromDcmjs && Buffer.from(fromTemplates).equals(Buffer.from(fromDcmjs))).toBe(true);
        expect(Buffer.from(sr.part10).equals(Buffer.from(writePart10WithDcmjs(sr.dataset)))).toBe(true);
        expectFastEncoding(sr.dataset);
      }
    });
  });

  describe('with inconsistent input', () => {
    const image = syntheticImage();
    const findings = spreadFindings(upstreamCard.labels);

    it('should refuse findings made for another image', () => {
      const result = { ...findingsFor(image, upstreamCard, findings), SOPInstanceUID: '2.25.9' };
      expect(() => buildFindingsSr({ image, result, card: upstreamCard })).toThrow(/findings are for SOP instance 2\.25\.9/);
    });

    it('should refuse a result without a probability for every label of the card', () => {
      const { Hernia: _omitted, ...partial } = findings;
      expect(() => buildFindingsSr({ image, result: findingsFor(image, upstreamCard, partial), card: upstreamCard })).toThrow(
        /finding 'Hernia' has no probability/,
      );
    });

    it('should refuse a result from another model than the card', () => {
      const result = findingsFor(image, demoCard(), findings);
      expect(() => buildFindingsSr({ image, result, card: upstreamCard })).toThrow(/from model 'densenet121-res224-all-demo'/);
    });

    it('should refuse an image without the UIDs the evidence needs', () => {
      const { SeriesInstanceUID: _omitted, ...noSeries } = image;
      expect(() => buildFindingsSr({ image: noSeries, result: findingsFor(image, upstreamCard, findings), card: upstreamCard })).toThrow(
        /image data set has no SeriesInstanceUID/,
      );
    });
  });
});

describe('readFindingsSrIdentity', () => {
  const image = syntheticImage();
  const sr = buildFindingsSr({ image, result: findingsFor(image, upstreamCard, spreadFindings(upstreamCard.labels)), card: upstreamCard });

  describe('for data sets that are not our findings SRs', () => {
    it('should not recognise the image itself', () => {
      expect(readFindingsSrIdentity(readRealImage())).toBeUndefined();
    });

    it('should not recognise an SR without our algorithm as contributing equipment', () => {
      const { ContributingEquipmentSequence: _omitted, ...stripped } = sr.dataset;
      expect(readFindingsSrIdentity(stripped)).toBeUndefined();
      const [equipment] = items(sr.dataset['ContributingEquipmentSequence']);
      const noHash = { ...sr.dataset, ContributingEquipmentSequence: [{ ...equipment, SoftwareVersions: [upstreamCard.id] }] };
      expect(readFindingsSrIdentity(noHash)).toBeUndefined();
      const otherDevice = { ...sr.dataset, ContributingEquipmentSequence: [{ ...equipment, DeviceUID: '2.25.1' }] };
      expect(readFindingsSrIdentity(otherDevice)).toBeUndefined();
    });

    it('should not recognise an SR whose evidence references several instances', () => {
      const [study] = items(sr.dataset['CurrentRequestedProcedureEvidenceSequence']);
      const twice = { ...sr.dataset, CurrentRequestedProcedureEvidenceSequence: [study, study] };
      expect(readFindingsSrIdentity(twice)).toBeUndefined();
    });
  });

  describe('for a built SR before writing', () => {
    it('should read the image and model it was made for', () => {
      expect(readFindingsSrIdentity(sr.dataset)).toEqual({
        referencedSOPInstanceUID: image['SOPInstanceUID'],
        modelId: upstreamCard.id,
        onnxSha256: onnxShaA,
      });
    });
  });
});
