/** Plugins only: wire the model, the panel, the commands and the settings. */
import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { addCommands } from './commands';
import { ModelsPanel } from './components/panel';
import { INotebookBinding, ModelsModel } from './model';
import { CommandIDs, IModelsModel } from './tokens';

const PLUGIN_ID = 'jupyterlab-models:plugin';

const plugin: JupyterFrontEndPlugin<ModelsModel> = {
  id: PLUGIN_ID,
  description: 'A Models panel to save, list, load and delete notebook models.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ILabShell, ICommandPalette, ISettingRegistry, ITranslator],
  provides: IModelsModel,
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    labShell: ILabShell | null,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): ModelsModel => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_models');
    const model = new ModelsModel({
      serverRoot: PageConfig.getOption('serverRoot')
    });
    const panel = new ModelsPanel(model, app.commands, trans);
    app.shell.add(panel, 'right', { rank: 600 });

    addCommands(app.commands, model, trans, () => {
      app.shell.activateById(panel.id);
    });
    // Buttons and palette entries follow the model's state.
    model.changed.connect(() => app.commands.notifyCommandChanged());

    if (palette) {
      const category = trans.__('Models');
      for (const command of [
        CommandIDs.save,
        CommandIDs.load,
        CommandIDs.deleteModel,
        CommandIDs.refresh,
        CommandIDs.open
      ]) {
        palette.addItem({ command, category });
      }
    }

    const bind = (notebook: NotebookPanel | null) =>
      model.setNotebook(notebook ? bindingOf(notebook) : null);
    tracker.currentChanged.connect((_, notebook) => bind(notebook));
    bind(tracker.currentWidget);

    if (settingRegistry) {
      void settingRegistry.load(PLUGIN_ID).then(settings => {
        const apply = () => {
          model.setTimeout(
            (settings.get('requestTimeout').composite as number) * 1000
          );
          model.setStoreSetting(
            settings.get('storeLocation').composite as string
          );
        };
        settings.changed.connect(apply);
        apply();
      });
    }
    return model;
  }
};

function bindingOf(notebook: NotebookPanel): INotebookBinding {
  return {
    get path() {
      return notebook.context.path;
    },
    sessionContext: notebook.sessionContext
  };
}

export default plugin;
export { ModelsModel } from './model';
export { IModelsModel, CommandIDs } from './tokens';
