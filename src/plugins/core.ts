/**
 * The core plugin: the model, bound to the active notebook; the commands; the settings; the
 * search and sort kept across reloads.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { addCommands } from '../commands';
import { PANEL_ID } from '../components/panel';
import { INotebookBinding } from '../models/connection';
import { ModelsModel } from '../models/modelsModel';
import { IListState, SORT_KEYS, SortKey } from '../models/storeList';
import { CommandIDs, IModelsModel } from '../tokens';

export const PLUGIN_ID = 'jupyterlab-models:plugin';
const STATE_KEY = `${PLUGIN_ID}:list`;

export const corePlugin: JupyterFrontEndPlugin<IModelsModel> = {
  id: PLUGIN_ID,
  description: 'The Models panel state and commands: save, list, load, delete.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ISettingRegistry, ITranslator, IStateDB],
  provides: IModelsModel,
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    state: IStateDB | null
  ): IModelsModel => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_models');
    const model = new ModelsModel({
      serverRoot: PageConfig.getOption('serverRoot')
    });
    let confirmOverwrite = true;
    addCommands(app.commands, {
      model,
      trans,
      showPanel: () => app.shell.activateById(PANEL_ID),
      confirmOverwrite: () => confirmOverwrite,
      variableUnderMenu: () =>
        app.contextMenuHitTest(node =>
          node.classList.contains('jp-Models-variable')
        )?.dataset.name,
      selectedIdentifier: () => selectedText(tracker)
    });
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

    // Settings apply as they change; search and sort survive reloads (the default sort
    // applies when nothing was kept).
    void Promise.all([
      settingRegistry?.load(PLUGIN_ID),
      state?.fetch(STATE_KEY)
    ]).then(([loaded, saved]) => {
      if (loaded) {
        const apply = () => {
          confirmOverwrite = loaded.get('confirmOverwrite')
            .composite as boolean;
          model.connection.setTimeout(
            (loaded.get('requestTimeout').composite as number) * 1000
          );
          model.connection.setStoreSetting(
            loaded.get('storeLocation').composite as string
          );
        };
        loaded.changed.connect(apply);
        apply();
      }
      const defaultSort = loaded?.get('defaultSort').composite as SortKey;
      const kept = (saved ?? {}) as Partial<IListState>;
      model.store.setListState({
        query: typeof kept.query === 'string' ? kept.query : '',
        sort: SORT_KEYS.find(k => k === kept.sort) ?? defaultSort ?? 'name'
      });
      model.store.listStateChanged.connect((_, list) => {
        void state?.save(STATE_KEY, { ...list });
      });
    });
    return model;
  }
};

/** The text selected in the active cell's editor, trimmed ('' when nothing is). */
function selectedText(tracker: INotebookTracker): string | undefined {
  const editor = tracker.activeCell?.editor;
  if (!editor) {
    return undefined;
  }
  const { start, end } = editor.getSelection();
  const [from, to] = [editor.getOffsetAt(start), editor.getOffsetAt(end)].sort(
    (a, b) => a - b
  );
  return editor.model.sharedModel.getSource().slice(from, to).trim();
}

function bindingOf(notebook: NotebookPanel): INotebookBinding {
  return {
    get path() {
      return notebook.context.path;
    },
    sessionContext: notebook.sessionContext
  };
}
