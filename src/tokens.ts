import { Token } from '@lumino/coreutils';
import { ModelsModel } from './model';

/** Command ids of the extension. */
export namespace CommandIDs {
  export const open = 'jupyterlab-models:open';
  export const save = 'jupyterlab-models:save';
  export const load = 'jupyterlab-models:load';
  export const deleteModel = 'jupyterlab-models:delete';
  export const refresh = 'jupyterlab-models:refresh';
  export const copyLoadCode = 'jupyterlab-models:copy-load-code';
  export const showDetails = 'jupyterlab-models:show-details';
  export const saveSelection = 'jupyterlab-models:save-selection';
  export const saveDebuggerVariable =
    'jupyterlab-models:save-debugger-variable';
}

/** The Models panel's model, for other extensions. */
export const IModelsModel = new Token<ModelsModel>(
  'jupyterlab-models:IModelsModel',
  'The state of the Models panel: bound notebook, stored models, operations.'
);
