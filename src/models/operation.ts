/**
 * The operation under way (save, load, delete, refresh), its progress and the last failure.
 * Progress has a signal of its own, so that only what shows progress re-renders.
 */
import { ISignal, Signal } from '@lumino/signaling';
import { BridgeError } from '../bridge';

export type OperationKind = 'save' | 'load' | 'delete' | 'refresh';

/** An operation under way, shown as busy state and progress. */
export interface IPendingOperation {
  readonly kind: OperationKind;
  /** Model (or variable) it is about. */
  readonly target: string;
  readonly done: number;
  readonly total: number;
  /** Whether it has run for SLOW_OPERATION_MS: its row then shows its progress. */
  readonly slow: boolean;
  /** Waiting for the running cell (save, load): how to cancel the wait; else null. */
  readonly cancelWait: (() => void) | null;
}

/** An operation running longer than this shows its progress in its row of the list. */
export const SLOW_OPERATION_MS = 500;

/** Kernel errors that ask the user something; the caller retries after the answer. */
const QUESTION_CODES = new Set<string>([
  'variable_exists',
  'untrusted',
  'base_missing'
]);
/** The user's own cancellation (of a wait for the running cell): not a failure either. */
const NOT_FAILURES = new Set<string>([...QUESTION_CODES, 'cancelled']);

export interface IOperationModel {
  /** Start, end, becoming slow, failure. */
  readonly changed: ISignal<IOperationModel, void>;
  /** Bytes done of the operation under way. */
  readonly progressed: ISignal<IOperationModel, IPendingOperation>;
  readonly pending: IPendingOperation | null;
  /**
   * Why the last operation failed (a BridgeError with its stable code, mostly), null after a
   * success; the views word it.
   */
  readonly error: unknown;
}

export class OperationModel implements IOperationModel {
  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get progressed(): ISignal<this, IPendingOperation> {
    return this._progressed;
  }
  get pending(): IPendingOperation | null {
    return this._pending;
  }
  get error(): unknown {
    return this._error;
  }

  /** Run one operation: busy state, progress, its failure kept. Rethrows errors. */
  async run<T>(
    kind: OperationKind,
    target: string,
    body: (
      onProgress: (done: number, total: number) => void,
      onWaiting: (cancel: () => void) => void
    ) => Promise<T>
  ): Promise<T> {
    const op = {
      kind,
      target,
      done: 0,
      total: 0,
      slow: false,
      cancelWait: null
    };
    this._pending = op;
    this._changed.emit();
    const slowTimer = setTimeout(() => {
      if (this._pending) {
        this._pending = { ...this._pending, slow: true };
        this._changed.emit();
      }
    }, SLOW_OPERATION_MS);
    const onProgress = (done: number, total: number) => {
      if (this._pending) {
        const waited = this._pending.cancelWait !== null;
        this._pending = { ...this._pending, done, total, cancelWait: null };
        this._progressed.emit(this._pending);
        if (waited) {
          this._changed.emit(); // no longer waiting: it runs
        }
      }
    };
    const onWaiting = (cancel: () => void) => {
      if (this._pending) {
        this._pending = { ...this._pending, cancelWait: cancel, slow: true };
        this._changed.emit();
      }
    };
    try {
      const result = await body(onProgress, onWaiting);
      this._error = null;
      return result;
    } catch (reason) {
      // A question for the user (overwrite? trust?) is not a failure to show.
      const question =
        reason instanceof BridgeError && NOT_FAILURES.has(reason.code);
      this._error = question ? null : reason;
      throw reason;
    } finally {
      clearTimeout(slowTimer);
      this._pending = null;
      this._changed.emit();
    }
  }

  /** Keep a failure of work that is not an operation of its own (fetching versions). */
  fail(reason: unknown): void {
    this._error = reason;
    this._changed.emit();
  }

  dispose(): void {
    Signal.clearData(this);
  }

  private _changed = new Signal<this, void>(this);
  private _error: unknown = null;
  private _pending: IPendingOperation | null = null;
  private _progressed = new Signal<this, IPendingOperation>(this);
}
