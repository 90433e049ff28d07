/** Render a React element into a detached DOM node (jsdom) and wait for it. */
import * as React from 'react';
import { act } from 'react';
import { createRoot, Root } from 'react-dom/client';

(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

export interface IRendered {
  node: HTMLElement;
  root: Root;
  unmount: () => void;
}

export async function render(element: React.ReactElement): Promise<IRendered> {
  const node = document.createElement('div');
  document.body.appendChild(node);
  const root = createRoot(node);
  await act(async () => root.render(element));
  return {
    node,
    root,
    unmount: () => {
      act(() => root.unmount());
      node.remove();
    }
  };
}

/** Run `fn` (a click, a signal) and let React apply what it caused. */
export async function settle(fn: () => void = () => undefined): Promise<void> {
  await act(async () => fn());
}
