/**
 * What a model card shows: every version of one model (fetched over the bridge, again after
 * each new listing), the version picked, and the two versions compared side by side.
 */
import { ISignal, Signal } from '@lumino/signaling';
import { IModelInfo } from '../protocol';
import { IModelsModel } from '../tokens';

export class ModelCardModel {
  constructor(
    private _models: IModelsModel,
    readonly name: string
  ) {
    _models.store.changed.connect(this._onListing, this);
    void this.reload();
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  /** Every version, oldest first (empty until fetched or once the model is gone). */
  get versions(): readonly IModelInfo[] {
    return this._versions;
  }
  /** Why the versions could not be fetched (a BridgeError), else null. */
  get error(): unknown {
    return this._error;
  }
  get loading(): boolean {
    return this._loading;
  }
  /** The version shown: the picked one, else the latest. */
  get current(): IModelInfo | null {
    const picked = this._versions.find(v => v.version === this._picked);
    return picked ?? this._versions[this._versions.length - 1] ?? null;
  }
  /** The versions ticked for comparison (at most two, in the order ticked). */
  get compared(): readonly number[] {
    return this._compared;
  }

  pick(version: number): void {
    this._picked = version;
    this._changed.emit();
  }

  /** Tick or untick a version for comparison; a third tick drops the oldest tick. */
  toggleCompare(version: number): void {
    if (!this._versions.some(v => v.version === version)) {
      return;
    }
    this._compared = this._compared.includes(version)
      ? this._compared.filter(v => v !== version)
      : [...this._compared, version].slice(-2);
    this._changed.emit();
  }

  async reload(): Promise<void> {
    const bridge = this._models.connection.bridge;
    if (!bridge) {
      return;
    }
    this._loading = true;
    this._changed.emit();
    try {
      const { versions } = await bridge.request<{ versions: IModelInfo[] }>(
        'versions',
        { name: this.name }
      );
      this._versions = versions;
      this._error = null;
    } catch (reason) {
      this._versions = [];
      this._error = reason;
    } finally {
      this._loading = false;
      const present = new Set(this._versions.map(v => v.version));
      this._compared = this._compared.filter(v => present.has(v));
      this._changed.emit();
    }
  }

  dispose(): void {
    Signal.clearData(this);
  }

  private _onListing(): void {
    void this.reload();
  }

  private _changed = new Signal<this, void>(this);
  private _compared: number[] = [];
  private _error: unknown = null;
  private _loading = false;
  private _picked: number | null = null;
  private _versions: IModelInfo[] = [];
}
