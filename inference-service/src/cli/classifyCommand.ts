import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPipeline } from '../pipeline/loadPipeline.ts';
import type { ClassifiedImage } from '../pipeline/findingsPipeline.ts';
import { collectFiles } from './collectFiles.ts';
import { formatFindingsLine, formatFindingsTable } from './findingsTable.ts';
import { startProgress } from './progress.ts';

export const classifyUsage = `cxr-findings classify <files or folders> [options]

Classifies chest X-ray DICOM files with the active model and prints the 18 findings.

  --out DIR        write one JSON per image (findings, model, UIDs, timings) into DIR
  --json           print the results as JSON lines instead of tables
  --batch N        images per model run (default 8)
  --threads N      model threads (default 2)
  --no-eligibility classify even images whose header says they are not frontal chest radiographs`;

/** The JSON written per image: the flat label → probability map under `findings`, as the Python scripts wrote. */
function resultDocument(file: string, image: ClassifiedImage): Record<string, unknown> {
  const { result } = image;
  return {
    file,
    findings: result.findings,
    model: result.model,
    ...(result.model.warning ? { warning: result.model.warning } : {}),
    StudyInstanceUID: result.StudyInstanceUID,
    SeriesInstanceUID: result.SeriesInstanceUID,
    SOPInstanceUID: result.SOPInstanceUID,
    timingsMs: result.timingsMs,
  };
}

export async function runClassifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      batch: { type: 'string', default: '8' },
      threads: { type: 'string', default: '2' },
      'no-eligibility': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(classifyUsage);
    return values.help ? 0 : 2;
  }
  const batch = Number(values.batch);
  const threads = Number(values.threads);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`--batch must be a positive integer, got '${values.batch}'`);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads must be a positive integer, got '${values.threads}'`);

  const { files, skipped, missing } = await collectFiles(positionals);
  for (const m of missing) console.error(`${m}: no such file or folder`);
  if (skipped.length) console.error(`Passed over ${skipped.length} file(s) in folders that are not DICOM Part-10.`);

  const pipeline = await loadPipeline({ intraOpThreads: threads, maxBatch: batch });
  const { card } = pipeline.model;
  console.error(`Model: ${card.id} (${card.kind})`);
  if (card.warning) console.error(`WARNING: ${card.warning}`);
  if (values.out) await mkdir(values.out, { recursive: true });

  let failed = missing.length;
  let classified = 0;
  const progress = startProgress(files.length, 'Classifying');
  const lines: string[] = [];
  const started = performance.now();
  try {
    for (let start = 0; start < files.length; start += batch) {
      const chunk = files.slice(start, start + batch);
      const bytes = await Promise.all(chunk.map((f) => readFile(f)));
      const outcomes = await pipeline.classify(bytes, { checkEligibility: !values['no-eligibility'] });
      for (const [i, outcome] of outcomes.entries()) {
        const file = chunk[i] ?? '';
        progress.tick(basename(file));
        if (!outcome.ok) {
          failed += 1;
          lines.push(`${file}: ${outcome.error.message}`);
          continue;
        }
        classified += 1;
        const doc = resultDocument(file, outcome);
        if (values.out) {
          const name = outcome.result.SOPInstanceUID || basename(file);
          await writeFile(join(values.out, `${name}.json`), `${JSON.stringify(doc, null, 2)}\n`);
        }
        if (values.json) lines.push(JSON.stringify(doc));
        else lines.push(files.length === 1 ? formatFindingsTable(file, outcome.result) : formatFindingsLine(file, outcome.result));
      }
    }
  } finally {
    progress.stop();
    await pipeline.model.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  for (const line of lines) console.log(line);
  if (files.length > 1 || failed) {
    console.error(`${classified} classified, ${failed} failed, in ${seconds.toFixed(1)} s (${(classified / seconds).toFixed(1)} images/s).`);
  }
  if (card.warning && !values.json) console.log(`\n${card.warning}`);
  return failed > 0 ? 1 : 0;
}
