// The part of react-dom/client the component tests use (no @types/react-dom here).
declare module 'react-dom/client' {
  export interface Root {
    render(element: any): void;
    unmount(): void;
  }
  export function createRoot(node: Element): Root;
}
