/** The bound notebook's supported variables. Fetching them waits for a running cell. */
import { ISignal, Signal } from '@lumino/signaling';
import { KernelBridge } from '../bridge';
import { IVariableInfo } from '../protocol';

export interface IVariablesModel {
  readonly changed: ISignal<IVariablesModel, void>;
  readonly variables: readonly IVariableInfo[];
  /** Being fetched (without a kernel subshell, the request waits for a running cell). */
  readonly pending: boolean;
}

export class VariablesModel implements IVariablesModel {
  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get variables(): readonly IVariableInfo[] {
    return this._variables;
  }
  get pending(): boolean {
    return this._pending > 0;
  }

  /** Fetch them from this bridge; kept only while it is still the current one. */
  async fetch(
    bridge: KernelBridge,
    isCurrent: () => boolean
  ): Promise<readonly IVariableInfo[]> {
    this._pending++;
    this._changed.emit();
    try {
      const { variables } = await bridge.request<{
        variables: IVariableInfo[];
      }>('variables');
      if (isCurrent()) {
        this._variables = variables;
      }
      return variables;
    } finally {
      this._pending--;
      this._changed.emit();
    }
  }

  clear(): void {
    if (this._variables.length > 0) {
      this._variables = [];
      this._changed.emit();
    }
  }

  dispose(): void {
    Signal.clearData(this);
  }

  private _changed = new Signal<this, void>(this);
  private _pending = 0;
  private _variables: IVariableInfo[] = [];
}
