import { afterAll, describe, expect, it } from 'vitest';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import type { DicomDataset } from '../../inference-service/src/dicom/index.ts';
import { sequenceItemBytes } from '../../inference-service/src/dicom/appendSequenceItems.ts';
import { encodeDataSet, writePart10 } from '../../inference-service/src/dicom/writePart10.ts';
import { encodeResultItems } from '../../inference-service/src/sr/encodeFindingsSr.ts';
import { buildFindingsSr, findingCode, readFindingsSrIdentity, scoreExplanation, srSopClassUids } from '../../inference-service/src/sr/index.ts';
import {
  dciodvfyErrors,
  demoCard,
  findingsFor,
  onnxShaA,
  onnxShaB,
  readRealImage,
  removeTempFiles,
  runTool,
  spreadFindings,
  syntheticImage,
  upstreamCard,
  writeTemp,
} from './support.ts';

const now = new Date('2026-11-25T10:20:30Z');

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

    it("should be read by dsrdump, which lists every finding's code meaning and value in %", () => {
      const { status, output } = runTool('dsrdump', [path]);
      expect(status).toBe(0);
      for (const label of upstreamCard.labels) {
        const percent = ((findings[label] ?? NaN) * 100).toFixed(2);
        expect(output).toContain(`<contains NUM:(,,"${findingCode(label).CodeMeaning}")="${percent}" (%,UCUM,"Percent")>`);
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

    it('should carry the flags, dates and equipment of an unverified device report', () => {
      expect(readBack.dataset).toMatchObject({
        CompletionFlag: 'COMPLETE',
        VerificationFlag: 'UNVERIFIED',
        ContentDate: '20261125',
        ContentTime: '102030',
        InstanceCreationDate: '20261125',
        Manufacturer: 'CXR Findings project',
        SoftwareVersions: '0.1.0',
        ValueType: 'CONTAINER',
        ContinuityOfContent: 'SEPARATE',
      });
      expect(items(readBack.dataset['ConceptNameCodeSequence'])[0]).toMatchObject({ CodeValue: '18748-4', CodingSchemeDesignator: 'LN' });
      expect(readBack.dataset).not.toHaveProperty('ContentTemplateSequence');
    });

    it('should hold one NUM in % per finding, in the order of the model card', () => {
      const nums = containerChildren(readBack.dataset, 'Findings');
      expect(nums.map(conceptMeaning)).toEqual(upstreamCard.labels.map((label) => findingCode(label).CodeMeaning));
      for (const [i, num] of nums.entries()) {
        const [measured] = items(num['MeasuredValueSequence']);
        expect(num['ValueType']).toBe('NUM');
        expect(Number(measured?.['NumericValue'])).toBeCloseTo((findings[upstreamCard.labels[i] ?? ''] ?? NaN) * 100, 2);
        expect(items(measured?.['MeasurementUnitsCodeSequence'])[0]).toMatchObject({ CodeValue: '%', CodingSchemeDesignator: 'UCUM' });
      }
    });

    it('should list in the impression exactly the findings at or above 0.5, highest first', () => {
      const [impression] = containerChildren(readBack.dataset, 'Impressions');
      const expected = upstreamCard.labels
        .filter((label) => (findings[label] ?? 0) >= 0.5)
        .sort((a, b) => (findings[b] ?? 0) - (findings[a] ?? 0))
        .map((label) => `${findingCode(label).CodeMeaning} ${((findings[label] ?? 0) * 100).toFixed(2)} %`);
      expect(expected.length).toBeGreaterThan(0);
      expect(impression?.['TextValue']).toBe(`At or above the operating point (50 %): ${expected.join(', ')}.`);
    });

    it('should identify the algorithm per TID 4019 with the ONNX and weights hashes', () => {
      const parameters = rootItems(readBack.dataset, 'Algorithm Parameters').map((item) => item['TextValue']);
      expect(rootItems(readBack.dataset, 'Algorithm Name')[0]?.['TextValue']).toBe(upstreamCard.name);
      expect(parameters).toContain(`ONNX SHA-256: ${onnxShaA}`);
      expect(parameters).toContain(`weights SHA-256: ${upstreamCard.weights?.sha256}`);
      expect(parameters).toContain('model kind: upstream');
      expect(items(rootItems(readBack.dataset, 'Observer Type')[0]?.['ConceptCodeSequence'])[0]).toMatchObject({
        CodeValue: '121007',
        CodingSchemeDesignator: 'DCM',
        CodeMeaning: 'Device',
      });
    });

    it('should say beside the numbers that they are operating-point scores, not probabilities of disease', () => {
      const comments = rootItems(readBack.dataset, 'Comment').map((item) => item['TextValue']);
      expect(comments).toEqual([scoreExplanation]);
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
      expect(readBack['SeriesNumber']).toBe(9003);
    });
  });

  describe('for a demo model', () => {
    const image = syntheticImage();
    const card = demoCard();
    const sr = buildFindingsSr({ image, result: findingsFor(image, card, spreadFindings(card.labels)), card, now });
    const readBack = readDicomDataset(sr.part10).dataset;

    it('should say DEMO MODEL in the document title itself, with its local scheme declared', () => {
      expect(items(readBack['ConceptNameCodeSequence'])[0]).toMatchObject({
        CodeValue: 'DEMO-CXR-REPORT',
        CodingSchemeDesignator: '99CXRF',
        CodeMeaning: expect.stringMatching(/^DEMO MODEL - not clinically meaningful/),
      });
      expect(items(readBack['CodingSchemeIdentificationSequence']).map((s) => s['CodingSchemeDesignator'])).toContain('99CXRF');
    });

    it('should say DEMO MODEL in the series description, the algorithm name, a comment and the impression', () => {
      expect(readBack['SeriesDescription']).toBe('CXR Findings (AI) - DEMO MODEL - not clinically meaningful');
      expect(rootItems(readBack, 'Algorithm Name')[0]?.['TextValue']).toContain('DEMO MODEL');
      const comments = rootItems(readBack, 'Comment').map((item) => item['TextValue']);
      expect(comments.some((text) => typeof text === 'string' && text.includes('DEMO MODEL'))).toBe(true);
      expect(containerChildren(readBack, 'Impressions')[0]?.['TextValue']).toMatch(/^DEMO MODEL - not clinically meaningful\. /);
    });

    it('should show the demo warning in dsrdump and still pass dciodvfy', () => {
      const path = writeTemp('demo.dcm', sr.part10);
      const dump = runTool('dsrdump', [path]).output;
      expect(dump).toContain('<CONTAINER:(,,"DEMO MODEL - not clinically meaningful - chest X-ray findings")');
      expect(dump).toContain('<contains TEXT:(,,"Comment")="DEMO MODEL');
      expect(dciodvfyErrors(runTool('dciodvfy', [path]).output)).toEqual([]);
    });
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
        expect(Buffer.from(sr.part10).equals(Buffer.from(writePart10(sr.dataset)))).toBe(true);
        seen.add(Buffer.from(sr.part10).toString('base64'));
      }
      // The last case repeats the first: the same bytes; the others differ from each other.
      expect(seen.size).toBe(3);
    });

    it("should build the findings from templates, byte for byte as dcmjs, whatever each value's length", () => {
      const image = readRealImage();
      const values = [0, 0.00004, 0.0555, 0.5, 0.99999, 1];
      for (const [i, value] of values.entries()) {
        // Each label gets a different value of the list, so every value meets several NUM templates.
        const findings = Object.fromEntries(upstreamCard.labels.map((label, j) => [label, values[(i + j) % values.length]!]));
        expect(Object.values(findings)).toContain(value);
        const sr = buildFindingsSr({ image, result: findingsFor(image, upstreamCard, findings), card: upstreamCard, now });
        const result = items(sr.dataset['ContentSequence']).slice(-2);
        const fromTemplates = encodeResultItems(result);
        const fromDcmjs = sequenceItemBytes(encodeDataSet({ ContentSequence: result }), 0x0040, 0xa730);
        expect(fromTemplates && fromDcmjs && Buffer.from(fromTemplates).equals(Buffer.from(fromDcmjs))).toBe(true);
        expect(Buffer.from(sr.part10).equals(Buffer.from(writePart10(sr.dataset)))).toBe(true);
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

    it('should not recognise an SR without our algorithm parameters', () => {
      const stripped = {
        ...sr.dataset,
        ContentSequence: items(sr.dataset['ContentSequence']).filter((item) => conceptMeaning(item) !== 'Algorithm Parameters'),
      };
      expect(readFindingsSrIdentity(stripped)).toBeUndefined();
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
