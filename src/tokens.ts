/** Tokens, command ids and the public shape of the Models panel's state. */
import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';
import type { IKernelConnectionModel } from './models/connection';
import type { IOperationModel } from './models/operation';
import type { IStoreListModel } from './models/storeList';
import type { IVariablesModel } from './models/variables';
import type { ILoadResult, IModelInfo, IVariableInfo } from './protocol';

/** Command ids of the extension. */
export namespace CommandIDs {
  export const open = 'jupyterlab-models:open';
  export const save = 'jupyterlab-models:save';
  export const load = 'jupyterlab-models:load';
  export const deleteModel = 'jupyterlab-models:delete';
  export const refresh = 'jupyterlab-models:refresh';
  export const copyLoadCode = 'jupyterlab-models:copy-load-code';
  export const showDetails = 'jupyterlab-models:show-details';
  export const openCard = 'jupyterlab-models:open-card';
  export const saveSelection = 'jupyterlab-models:save-selection';
  export const saveDebuggerVariable =
    'jupyterlab-models:save-debugger-variable';
}

/**
 * The state of the Models panel: four small models, each with its own signals, and the
 * operations that use more than one of them.
 */
export interface IModelsModel {
  /** The bound notebook, its kernel and the comm to it (restarts, deaths, retries). */
  readonly connection: IKernelConnectionModel;
  /** The stored models: list, counts, search, sort, selection and its versions. */
  readonly store: IStoreListModel;
  /** The bound notebook's supported variables. */
  readonly variables: IVariablesModel;
  /** The operation under way, its progress and the last failure. */
  readonly operation: IOperationModel;
  /**
   * Emitted when what enables a command changes (connection, operation start and end,
   * selection); not on progress.
   */
  readonly stateChanged: ISignal<IModelsModel, void>;

  /** Reload the list and the variables; when not connected, start again from the beginning. */
  refresh(): Promise<void>;
  /** Fetch the variables now (before a save dialog). */
  refreshVariables(): Promise<readonly IVariableInfo[]>;
  /** `baseName`: a PEFT adapter's base model is saved first under that name. */
  save(
    variable: string,
    name: string,
    description: string,
    options?: { baseName?: string }
  ): Promise<IModelInfo>;
  load(
    name: string,
    version: number | null,
    variable: string,
    options?: { overwrite?: boolean; trusted?: string[] }
  ): Promise<ILoadResult>;
  delete(name: string, version: number | null): Promise<number[]>;
}

/** The Models panel's model, for other extensions. */
export const IModelsModel = new Token<IModelsModel>(
  'jupyterlab-models:IModelsModel',
  'The state of the Models panel: bound notebook, stored models, operations.'
);
