/**
 * `npm start`: the whole product on this machine. Orthanc (Debian's, storage under the data dir, port
 * 8042) and the sidecar with the viewer (port 3000) start and answer; the sample DICOM is uploaded and
 * classified on arrival, so a new user sees SRs at once. Ctrl-C stops both.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { collectFiles } from '../inference-service/src/cli/collectFiles.ts';
import { uploadFiles } from '../inference-service/src/cli/uploadCommand.ts';
import { ensureApiToken } from '../tooling/apiToken.ts';
import { loadConfig } from '../inference-service/src/config/config.ts';
import { configDefaults, configEnv, dataFiles } from '../inference-service/src/config/defaults.ts';
import { readDicomDataset } from '../inference-service/src/dicom/index.ts';
import { OrthancClient } from '../inference-service/src/orthanc/index.ts';
import { startLocalOrthanc } from '../tooling/orthanc/startLocalOrthanc.ts';
import { localOrthancEnv, orthancDefaults } from '../tooling/orthanc/settings.ts';
import { localUserFile, readLocalUser } from '../inference-service/src/access/localUser.ts';
import { superviseOrthanc } from '../tooling/orthanc/superviseOrthanc.ts';
import { checkEligibility } from '../inference-service/src/pipeline/eligibility.ts';
import { startSidecar } from '../inference-service/src/server.ts';
import { measurementReportUids } from '../inference-service/src/sr/index.ts';

const repoRoot = resolve(import.meta.dirname, '..');
const samplesDir = resolve(repoRoot, 'dicom_samples');
const dataDir = resolve(process.env[configEnv.dataDir] ?? resolve(repoRoot, 'data'));
const port = Number(process.env[configEnv.port] ?? configDefaults.port);
const orthancHttpPort = Number(process.env[localOrthancEnv.httpPort] ?? orthancDefaults.httpPort);
const orthancDicomPort = Number(process.env[localOrthancEnv.dicomPort] ?? orthancDefaults.dicomPort);

/** A failed start says what to fix in one line; the stack helps nobody who only ran `npm start`. */
function fail(error: unknown): never {
  console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.CXR_DEBUG) console.error(error);
  process.exit(1);
}

const token = await ensureApiToken(dataDir).catch(fail);
const sidecarUrl = `http://127.0.0.1:${port}`;
const proxyMayStore = /^(1|true|on|yes)$/i.test(process.env[configEnv.dicomWebStow] ?? '');
// Watched: a crashed Orthanc is logged and started again; the sidecar's follower catches up.
const supervised = await superviseOrthanc({
  start: () =>
    startLocalOrthanc({
      dataDir,
      sidecar: { url: sidecarUrl, token },
      httpPort: orthancHttpPort,
      dicomPort: orthancDicomPort,
      proxyMayStore,
    }),
  log: (line) => console.error(`npm start: ${line}`),
}).catch(fail);
const orthanc = supervised.current;
let sidecar: Awaited<ReturnType<typeof startSidecar>> | undefined;

async function stopAll(): Promise<void> {
  await sidecar?.stop();
  await supervised.stop();
}

try {
  const config = loadConfig({
    ...process.env,
    [configEnv.port]: String(port),
    [configEnv.apiToken]: token,
    [configEnv.dataDir]: dataDir,
    [configEnv.orthancUrl]: orthanc.url,
    [configEnv.orthancUsername]: orthanc.credentials.username,
    [configEnv.orthancPassword]: orthanc.credentials.password,
    ...(orthanc.proxyAccount
      ? { [configEnv.orthancProxyUsername]: orthanc.proxyAccount.username, [configEnv.orthancProxyPassword]: orthanc.proxyAccount.password }
      : {}),
  });
  sidecar = await startSidecar({ config });

  // Upload the samples; the Lua hook tells the sidecar, which writes one SR per eligible image.
  const client = new OrthancClient({ url: orthanc.url, credentials: orthanc.credentials });
  const { files } = await collectFiles([samplesDir]);
  const counts = await uploadFiles(client, files, 4);
  console.log(`Samples: ${counts.stored} new, ${counts.alreadyStored} already stored, ${counts.refused.length} refused.`);
  const eligible: string[] = [];
  for (const file of files) {
    const { dataset } = readDicomDataset(await readFile(file));
    if (checkEligibility(dataset).eligible) eligible.push(String(dataset.SOPInstanceUID));
  }
  // An image is done once its TID 1500 result is stored: it is written after the image's other objects.
  const { onnxSha256 } = sidecar.parts.service.model;
  const resultUids = eligible.map((uid) => measurementReportUids(uid, onnxSha256).SOPInstanceUID);
  const countDone = async (): Promise<number> => (await Promise.all(resultUids.map((uid) => client.instanceIdByUid(uid)))).filter((id) => id !== undefined).length;
  // With auto-classify off nothing will classify the samples: no point waiting for their reports.
  const deadline = config.autoClassify ? Date.now() + 120_000 : 0;
  let done = await countDone();
  while (done < eligible.length && Date.now() < deadline) {
    await sleep(500);
    done = await countDone();
  }
  console.log(`Sample images classified, their SRs in Orthanc: ${done} of ${eligible.length} eligible.`);
  const localUser = config.access.mode === 'local' ? await readLocalUser(dataDir) : undefined;
  const login = localUser
    ? `log in as '${localUser.username}', password in ${resolve(dataDir, localUserFile)}`
    : `log in through ${config.access.oidc?.issuer ?? 'the identity provider'}`;
  console.log(`
CXR Findings is running.
  Viewer:   ${sidecar.url}/            (${login}; open a study, press "Classify findings")
  Audit:    ${config.access.auditLogFile}
  API:      ${sidecar.url}/api/openapi.json   token in ${resolve(dataDir, dataFiles.apiToken)}
  Orthanc:  ${orthanc.url}/   credentials in ${resolve(dataDir, 'orthanc-credentials.json')}
  Model:    ${sidecar.pipeline.model.card.id} (${sidecar.pipeline.model.card.kind})${sidecar.pipeline.model.card.warning ? `\n  WARNING:  ${sidecar.pipeline.model.card.warning}` : ''}
Press Ctrl-C to stop.`);
} catch (error) {
  await stopAll();
  fail(error);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`\n${signal}: stopping the sidecar and Orthanc…`);
    stopAll().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
