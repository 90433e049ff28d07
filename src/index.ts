/** The extension's plugins: core (model, commands, settings), sidebar, auto refresh, debugger. */
import { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { autoRefreshPlugin } from './plugins/autoRefresh';
import { corePlugin } from './plugins/core';
import { debuggerPlugin } from './plugins/debugger';
import { sidebarPlugin } from './plugins/sidebar';

const plugins: JupyterFrontEndPlugin<any>[] = [
  corePlugin,
  sidebarPlugin,
  autoRefreshPlugin,
  debuggerPlugin
];

export default plugins;
export { ModelsModel } from './models/modelsModel';
export { IModelsModel, CommandIDs } from './tokens';
