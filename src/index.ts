/**
 * The extension's plugins: core (model, commands, settings), sidebar, auto refresh, model
 * cards, debugger.
 */
import { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { autoRefreshPlugin } from './plugins/autoRefresh';
import { cardPlugin } from './plugins/card';
import { corePlugin } from './plugins/core';
import { debuggerPlugin } from './plugins/debugger';
import { sidebarPlugin } from './plugins/sidebar';

const plugins: JupyterFrontEndPlugin<any>[] = [
  corePlugin,
  sidebarPlugin,
  autoRefreshPlugin,
  cardPlugin,
  debuggerPlugin
];

export default plugins;
export { ModelsModel } from './models/modelsModel';
export { IModelsModel, CommandIDs } from './tokens';
