/**
 * A panel component for OHIF that needs no React of its own. A runtime extension must not bundle
 * React (a second copy breaks the app's hooks and context), and OHIF hands its extensions services,
 * not React. But a React element is a plain object, and React 18 (what @ohif/app 3.13 ships) renders
 * any object with `$$typeof: Symbol.for('react.element')`. So the component returns one `<div>` whose
 * callback ref hands us the DOM node; everything inside it is ours, built with DOM APIs, and React
 * never reconciles its children because the element has none.
 *
 * The element object is made once and returned on every render: React sees the same element with
 * the same props and ref, skips it, and never detaches the ref while the panel stays mounted.
 */

/** Mounts the content into `host`; the returned function undoes it. `props` gives the latest React props. */
export type Mount<P = unknown> = (host: HTMLElement, props: () => P) => Unmount;

/** Undoes a mount; `update` (if given) is called after every render with new props. */
export type Unmount = (() => void) & { update?: () => void };

/** React 18's element marker (react/cjs/react.production.min.js: `Symbol.for("react.element")`). */
const reactElement = Symbol.for('react.element');

export interface HostElement {
  readonly $$typeof: symbol;
  readonly type: 'div';
  readonly key: null;
  readonly ref: (node: HTMLElement | null) => void;
  readonly props: Readonly<Record<string, string>>;
  readonly _owner: null;
}

export function hostComponent<P = unknown>(mount: Mount<P>, attributes: Readonly<Record<string, string>>): (props: P) => HostElement {
  const mounted = new Map<HTMLElement, Unmount>();
  let latest: P;
  const props = (): P => latest;
  const ref = (node: HTMLElement | null): void => {
    if (node) {
      if (!mounted.has(node)) mounted.set(node, mount(node, props));
      return;
    }
    // React 18 says only `null` on detach, not which node: after the commit, undo those that left the page.
    queueMicrotask(() => {
      for (const [host, unmount] of mounted) {
        if (host.isConnected) continue;
        mounted.delete(host);
        unmount();
      }
    });
  };
  const element: HostElement = Object.freeze({ $$typeof: reactElement, type: 'div', key: null, ref, props: Object.freeze({ ...attributes }), _owner: null });
  return (next: P) => {
    latest = next;
    // The parent rendered us with new props: let mounted content follow once React has committed.
    if (mounted.size > 0) queueMicrotask(() => mounted.forEach((unmount) => unmount.update?.()));
    return element;
  };
}
