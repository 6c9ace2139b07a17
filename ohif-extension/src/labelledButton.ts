import { hotkeyLabel, names } from './constants.ts';
import type { CommandsManager } from './ohifTypes.ts';
import { h, theme } from './panel/dom.ts';
import { hostComponent, type Unmount } from './panel/hostElement.ts';

/** The props OHIF's toolbar gives a button component: the button's own props and its evaluator's result. */
interface ButtonProps {
  readonly disabled?: boolean;
  readonly disabledText?: string;
  readonly label?: string;
  readonly tooltip?: string;
}

/**
 * A toolbar button with its label written out, not an icon alone: OHIF's own tool buttons are icons
 * with the label as tooltip. Rendered like the findings panel (one host element, DOM inside), so it
 * needs no React; the tooltip is the browser's own (`title`), and says the shortcut.
 */
export function labelledButtonComponent(commandsManager: CommandsManager) {
  return hostComponent<ButtonProps>(
    (host, props) => {
      const button = h('button', {
        attributes: { type: 'button', name: names.button, 'data-cy': names.button },
        style: {
          display: 'inline-flex', alignItems: 'center', gap: '6px', height: '32px', padding: '0 10px', margin: '0 6px',
          borderRadius: '6px', border: `1px solid ${theme.primary}`, background: 'transparent', color: theme.primary,
          fontSize: '14px', fontWeight: '600', whiteSpace: 'nowrap', cursor: 'pointer',
        },
      }) as HTMLButtonElement;
      const update = (): void => {
        const { disabled = false, disabledText, label = 'Classify findings', tooltip = '' } = props() ?? {};
        button.textContent = label;
        button.disabled = disabled;
        button.title = disabled && disabledText ? `${label}: ${disabledText}` : `${tooltip} (${hotkeyLabel})`;
        button.setAttribute('aria-keyshortcuts', hotkeyLabel);
        button.style.opacity = disabled ? '0.45' : '1';
        button.style.cursor = disabled ? 'not-allowed' : 'pointer';
      };
      const onClick = (): void => {
        if (!button.disabled) commandsManager.run(names.command);
      };
      button.addEventListener('click', onClick);
      host.append(button);
      update();
      const unmount: Unmount = () => {
        button.removeEventListener('click', onClick);
        button.remove();
      };
      unmount.update = update;
      return unmount;
    },
    { className: 'flex items-center' },
  );
}
