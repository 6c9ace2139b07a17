import type { ModelKind } from './findings/imageFindings.ts';

/**
 * OHIF's "investigational use" notice, in the product's own words. OHIF 3.13 builds it from a fixed
 * "OHIF Viewer is" and a translated "for investigational use only", with no configuration for the
 * text; so once it appears we rewrite those two text nodes in place (React keeps its nodes, and
 * re-renders of the notice only follow a language change). The notice is shown once per session
 * (`investigationalUseDialog: { option: 'always' }`): nothing is watched once it has been confirmed.
 */

const confirmButton = '[data-cy="confirm-and-hide-button"]';
/** OHIF stores this when the user confirms, for the rest of the session. */
const dismissedKey = 'investigationalUseDialog';

export const noticeWords = Object.freeze({
  subject: 'CXR Findings, shown in the OHIF Viewer, is',
  use: (kind: ModelKind | undefined): string =>
    kind === 'demo'
      ? 'for investigational use only. Its DEMO model gives findings that are not clinically meaningful.'
      : kind === 'custom'
        ? 'for investigational use only. Its custom model is not validated by this project.'
        : 'for investigational use only. Its findings come from software, are not a diagnosis, and are not reviewed by a physician.',
});

function rewrite(root: Element, kind: ModelKind | undefined): boolean {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let changed = false;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue?.trim();
    if (text === 'OHIF Viewer is') {
      node.nodeValue = noticeWords.subject;
      changed = true;
    } else if (text === 'for investigational use only') {
      node.nodeValue = noticeWords.use(kind);
      changed = true;
    }
  }
  return changed;
}

/** Watches for the notice until it has been reworded (for a minute at most: it comes with the first page). */
export function rewordInvestigationalNotice(kind: ModelKind | undefined): void {
  if (typeof document === 'undefined' || typeof MutationObserver === 'undefined') return;
  if (sessionStorage.getItem(dismissedKey)) return;
  const attempt = (): boolean => {
    const notice = document.querySelector(confirmButton)?.parentElement;
    return notice ? rewrite(notice, kind) : false;
  };
  if (attempt()) return;
  const observer = new MutationObserver(() => {
    if (attempt()) observer.disconnect();
  });
  observer.observe(document.documentElement, { childList: true, subtree: true });
  setTimeout(() => observer.disconnect(), 60_000);
}
