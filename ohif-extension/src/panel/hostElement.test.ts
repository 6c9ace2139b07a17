import { describe, expect, it } from 'vitest';
import { hostComponent } from './hostElement.ts';

/** What the ref is given: a node that knows whether it is still in the page. */
function node(): HTMLElement & { isConnected: boolean } {
  return { isConnected: true } as HTMLElement & { isConnected: boolean };
}

describe('hostComponent', () => {
  describe('the element React is given', () => {
    it('should be a React 18 host element, the same object on every render', () => {
      const Component = hostComponent(() => () => {}, { className: 'h-full' });
      const first = Component({});
      expect(first.$$typeof).toBe(Symbol.for('react.element'));
      expect(first).toMatchObject({ type: 'div', key: null, props: { className: 'h-full' } });
      expect(Component({})).toBe(first);
    });
  });

  describe('mounting', () => {
    it('should mount once per node, update on new props, and unmount only the nodes that left the page', async () => {
      const log: string[] = [];
      const Component = hostComponent<{ n: number }>(
        (host, props) => {
          const name = log.length === 0 ? 'a' : 'b';
          log.push(`mount ${name} ${props().n}`);
          const unmount = Object.assign(() => log.push(`unmount ${name}`), { update: () => log.push(`update ${name} ${props().n}`) });
          return unmount;
        },
        {},
      );
      const { ref } = Component({ n: 1 });
      const a = node();
      const b = node();
      ref(a);
      ref(a);
      ref(b);
      Component({ n: 2 });
      await Promise.resolve();
      a.isConnected = false;
      ref(null);
      await Promise.resolve();
      expect(log).toEqual(['mount a 1', 'mount b 1', 'update a 2', 'update b 2', 'unmount a']);
    });
  });
});
