/**
 * Writes example.dsrdump.txt: the dsrdump of the SR the product makes for the real SIIM image with the
 * active model, so a reader can see the report without running anything. Not a test; run by hand:
 *   node inference-service/bin/cxr-findings.mjs classify ../shared/data/cxr/siim-pa-jpeg-baseline.dcm --json \
 *     | tail -1 > /tmp/result.json && npx tsx test/sr/makeExampleDump.ts /tmp/result.json
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadActiveModel } from '../../inference-service/src/model/activeModel.ts';
import { buildFindingsSr } from '../../inference-service/src/sr/index.ts';
import type { ImageFindings } from '../../inference-service/src/pipeline/types.ts';
import { readRealImage, removeTempFiles, writeTemp } from './support.ts';

const resultPath = process.argv[2];
if (resultPath === undefined) throw new Error('usage: tsx test/sr/makeExampleDump.ts <classify --json line>');
const result = JSON.parse(readFileSync(resultPath, 'utf8')) as ImageFindings;
const sr = buildFindingsSr({ image: readRealImage(), result, card: (await loadActiveModel()).card, now: new Date('2026-11-25T10:00:00Z') });
const dump = spawnSync('dsrdump', ['+Pc', '+Pl', writeTemp('example.dcm', sr.part10)], { encoding: 'utf8' });
if (dump.status !== 0) throw new Error(`dsrdump failed: ${dump.stderr}`);
writeFileSync(join(dirname(fileURLToPath(import.meta.url)), 'example.dsrdump.txt'), dump.stdout);
removeTempFiles();
