import { ISignal } from '@lumino/signaling';
import * as React from 'react';

/** Re-render the component whenever one of these signals is emitted. */
export function useSignals(...signals: ISignal<unknown, unknown>[]): void {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    const bump = () => setTick(tick => tick + 1);
    for (const signal of signals) {
      signal.connect(bump);
    }
    return () => {
      for (const signal of signals) {
        signal.disconnect(bump);
      }
    };
  }, signals);
}
