import type { ModelKind } from './findings/imageFindings.ts';

/**
 * What the user reads: notification titles that always name a demo or custom model, and the
 * sidecar's refusals and failures said plainly, with what to do next and without UIDs or codec names.
 */

export const modelKindBadge: Readonly<Record<ModelKind, string | undefined>> = Object.freeze({
  demo: 'DEMO MODEL - not clinically meaningful',
  custom: 'CUSTOM MODEL - not validated by this project',
  upstream: undefined,
});

export function notificationTitle(kind: ModelKind | undefined): string {
  const badge = kind ? modelKindBadge[kind] : undefined;
  return badge ? `Classify findings · ${badge}` : 'Classify findings';
}

const sidecarName = 'The CXR Findings service';

/** The sidecar's skip reasons (inference-service/src/pipeline/eligibility.ts and the DICOM reader), in plain words. */
const reasons: ReadonlyArray<readonly [RegExp, (match: RegExpExecArray) => string]> = [
  [/view position (\S+) is lateral/i, (m) => `This is a lateral view (view position ${m[1]}). The model reads frontal (PA or AP) chest X-rays: open a frontal image and press Classify findings again.`],
  [/modality (\S+) is not CR or DX/i, (m) => `This image is not an X-ray (its modality is ${m[1]}). Only chest X-rays (CR or DX) can be classified.`],
  [/photometric interpretation (\S+) is not MONOCHROME/i, () => 'This image is in colour. The model reads greyscale chest X-rays only.'],
  [/body part (\S+) is not CHEST/i, (m) => `This image is of the ${m[1]?.toLowerCase()}, not the chest. Only chest X-rays can be classified.`],
  [/structured report/i, () => 'This is a report, not an image. Select an X-ray image and press Classify findings again.'],
  [/is not a projection radiograph/i, () => 'This is not an X-ray image. Only chest X-rays (CR, DX, or a secondary capture of one) can be classified.'],
  [/no longer stored|not found|does not exist/i, () => 'The image is no longer in the archive. Reload the study and try again.'],
  [
    /transfer syntax|JPEG|JPEG-?LS|JPEG 2000|RLE|decod|Pixel Data|BitsAllocated|Image Pixel Module|encapsulated|DICOM data set/i,
    () => 'The service cannot read the pixels of this image (they are stored in a form it does not support, or damaged). Ask your PACS administrator to send it uncompressed or as standard JPEG.',
  ],
];

/** Dotted numbers of four or more parts are UIDs: nothing a reader can act on. */
const uidPattern = /\b\d+(?:\.\d+){3,}\b/g;

export function withoutUids(message: string): string {
  return message.replace(uidPattern, '').replace(/\s+([,.:;)])/g, '$1').replace(/\(\s*\)/g, '').replace(/\s{2,}/g, ' ').trim();
}

/** A reason the sidecar gave for not classifying an image. */
export function plainRefusal(reason: string): string {
  for (const [pattern, say] of reasons) {
    const match = pattern.exec(reason);
    if (match) return say(match);
  }
  return `The image was not classified: ${withoutUids(reason)}`;
}

/** A failed call of the API: by its status and code (`{ error: { code, message } }`), then by what it said. */
export function plainFailure(status: number, code: string | undefined, message: string | undefined): string {
  switch (code ?? '') {
    case 'unauthorized':
      return 'Your viewer session has ended. Reload the page, then press Classify findings again.';
    case 'forbidden':
      // The sidecar's 403: the user is logged in but their account lacks the classify role.
      return 'Your account may view images but not ask for findings (it has no classify role). Ask your administrator for it.';
    case 'queue-full':
      return `${sidecarName} is busy with other images. Try again in a few seconds.`;
    case 'timeout':
      return `${sidecarName} took too long on this image. Try again; if it happens again, tell your administrator.`;
    case 'orthanc-unavailable':
      return `${sidecarName} cannot reach the image archive right now. Try again in a minute, or tell your administrator.`;
    case 'sr-not-stored':
      // The findings exist but their SRs do not: the archive refused them or stopped answering mid-store.
      return `${sidecarName} computed the findings, but the image archive did not accept them. They are kept and sent again automatically; if they do not appear within minutes, tell your administrator.`;
    case 'not-ready':
      return `${sidecarName} is still starting. Try again in a minute.`;
    case 'payload-too-large':
      return 'This image is too large for the service to read.';
    case 'internal':
    case 'orthanc-error':
      return `${sidecarName} failed on this image. Try again; if it fails again, tell your administrator.`;
  }
  if (message && status === 422) return plainRefusal(message);
  if (message && status === 404) return 'The image is no longer in the archive. Reload the study and try again.';
  if (status === 401) return plainFailure(status, 'unauthorized', message);
  if (status === 403) return plainFailure(status, 'forbidden', message);
  if (status === 429) return plainFailure(status, 'queue-full', message);
  if (status === 503) return plainFailure(status, 'orthanc-unavailable', message);
  if (status === 504) return plainFailure(status, 'timeout', message);
  if (message) return plainRefusal(message);
  return `${sidecarName} could not classify this image (it answered ${status}). Try again; if it fails again, tell your administrator.`;
}

export const unreachable = `${sidecarName} cannot be reached. Check your network connection, or ask your administrator whether the service is running.`;
