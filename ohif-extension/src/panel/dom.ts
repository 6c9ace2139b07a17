/**
 * A small element builder for the panel. Styles go through the CSSOM (`element.style`), never a
 * `style` attribute or injected `<style>`: a strict Content-Security-Policy (no 'unsafe-inline')
 * allows the former and blocks the latter.
 */
export type Style = Partial<Record<keyof CSSStyleDeclaration & string, string>>;

export interface ElementOptions {
  readonly style?: Style;
  readonly text?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export function h(tag: string, options: ElementOptions = {}, children: ReadonlyArray<Node | undefined> = []): HTMLElement {
  const element = document.createElement(tag);
  if (options.style) Object.assign(element.style, options.style);
  if (options.text !== undefined) element.textContent = options.text;
  for (const [name, value] of Object.entries(options.attributes ?? {})) element.setAttribute(name, value);
  for (const child of children) if (child) element.append(child);
  return element;
}

/** OHIF 3.13's theme colours (ui-next's CSS variables hold HSL triples), with fallbacks for other builds. */
export const theme = Object.freeze({
  foreground: 'hsl(var(--foreground, 0 0% 98%))',
  muted: 'hsl(var(--muted-foreground, 215 20% 65%))',
  primary: 'hsl(var(--primary, 214 100% 62%))',
  border: 'hsl(var(--input, 217 33% 25%))',
  positive: '#f5a524',
  demoBackground: '#b3261e',
  demoForeground: '#ffffff',
});
