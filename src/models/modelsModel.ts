/**
 * ModelsModel: the four small models of the panel and the operations that use several of
 * them (refresh, save, load, delete). Knows nothing of React.
 */
import { ISignal, Signal } from '@lumino/signaling';
import { KernelBridge } from '../bridge';
import {
  IListResult,
  ILoadResult,
  IModelInfo,
  IVariableInfo
} from '../protocol';
import { IModelsModel } from '../tokens';
import {
  IKernelConnectionOptions,
  INotebookBinding,
  KernelConnectionModel
} from './connection';
import { OperationModel } from './operation';
import { StoreListModel } from './storeList';
import { VariablesModel } from './variables';

export class ModelsModel implements IModelsModel {
  constructor(options: IKernelConnectionOptions = {}) {
    this.connection = new KernelConnectionModel(options);
    this.store = new StoreListModel(name => this._fetchVersions(name));
    this.variables = new VariablesModel();
    this.operation = new OperationModel();

    this.connection.rebound.connect(() => {
      this.store.clear();
      this.variables.clear();
    }, this);
    this.connection.statusChanged.connect((_, status) => {
      if (status !== 'ready') {
        this.variables.clear(); // a restarted kernel has none
      }
      this._stateChanged.emit();
    }, this);
    // The first listing comes with the connection: no flash of an empty store.
    this.connection.connected.connect(
      () => void this.refresh().catch(() => undefined),
      this
    );
    this.operation.changed.connect(() => this._stateChanged.emit(), this);
    this.store.selectionChanged.connect(() => this._stateChanged.emit(), this);
  }

  readonly connection: KernelConnectionModel;
  readonly store: StoreListModel;
  readonly variables: VariablesModel;
  readonly operation: OperationModel;

  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  /** Bind to another notebook (or none); follows the active notebook. */
  setNotebook(notebook: INotebookBinding | null): void {
    this.connection.setNotebook(notebook);
  }

  async refresh(): Promise<void> {
    const connection = this.connection;
    if (connection.status !== 'ready' && connection.notebook) {
      return connection.restart();
    }
    const bridge = connection.requireBridge();
    // The list and the variables come over a kernel subshell where there is one, even while
    // a cell runs; elsewhere the variables wait for the cell, so the refresh does not wait
    // for them: they arrive on their own and say meanwhile that they wait.
    const reload = async () => {
      void this._fetchVariables(bridge).catch(() => undefined);
      await this._reloadList(bridge);
    };
    if (this.operation.pending) {
      // A save or load may wait for the running cell: browsing does not wait with it, and
      // the operation under way keeps its place in the panel.
      return reload();
    }
    await this.operation.run('refresh', '', reload);
  }

  async refreshVariables(): Promise<readonly IVariableInfo[]> {
    return this._fetchVariables(this.connection.requireBridge());
  }

  async save(
    variable: string,
    name: string,
    description: string,
    options: { baseName?: string } = {}
  ): Promise<IModelInfo> {
    const bridge = this.connection.requireBridge();
    const notebook = this.connection.notebook?.path ?? null;
    return this.operation.run('save', name, async (onProgress, onWaiting) => {
      const { model } = await bridge.request<{ model: IModelInfo }>(
        'save',
        {
          variable,
          name,
          description,
          notebook,
          ...(options.baseName ? { base_name: options.baseName } : {})
        },
        { onProgress, onWaiting }
      );
      this.store.expect(model.name); // the listing fetches its versions
      await this._reloadList(bridge);
      return model;
    });
  }

  async load(
    name: string,
    version: number | null,
    variable: string,
    options: { overwrite?: boolean; trusted?: string[] } = {}
  ): Promise<ILoadResult> {
    const bridge = this.connection.requireBridge();
    return this.operation.run('load', name, (onProgress, onWaiting) =>
      bridge.request<ILoadResult>(
        'load',
        {
          name,
          version,
          variable,
          overwrite: options.overwrite ?? false,
          ...(options.trusted ? { trusted: options.trusted } : {})
        },
        { onProgress, onWaiting }
      )
    );
  }

  async delete(name: string, version: number | null): Promise<number[]> {
    const bridge = this.connection.requireBridge();
    return this.operation.run('delete', name, async () => {
      const { deleted } = await bridge.request<{ deleted: number[] }>(
        'delete',
        { name, version }
      );
      await this._reloadList(bridge);
      return deleted;
    });
  }

  dispose(): void {
    this.connection.dispose();
    this.store.dispose();
    this.variables.dispose();
    this.operation.dispose();
    Signal.clearData(this);
  }

  private async _reloadList(bridge: KernelBridge): Promise<void> {
    const list = await bridge.request<IListResult>('list');
    if (this.connection.bridge === bridge) {
      this.store.setListing(list);
    }
  }

  private _fetchVariables(
    bridge: KernelBridge
  ): Promise<readonly IVariableInfo[]> {
    return this.variables.fetch(
      bridge,
      () => this.connection.bridge === bridge
    );
  }

  private _fetchVersions(name: string): Promise<IModelInfo[]> | null {
    const bridge = this.connection.bridge;
    if (!bridge) {
      return null;
    }
    return bridge
      .request<{ versions: IModelInfo[] }>('versions', { name })
      .then(
        ({ versions }) => versions,
        reason => {
          // The details still show the latest version; say why the versions are missing.
          this.operation.fail(reason);
          throw reason;
        }
      );
  }

  private _stateChanged = new Signal<this, void>(this);
}
