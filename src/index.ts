/** Plugins only: wire the model, the panel, the commands, the settings and the state. */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import {
  INotebookTracker,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import { IDebugger } from '@jupyterlab/debugger';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { addCommands } from './commands';
import { ModelsPanel } from './components/panel';
import {
  IListState,
  INotebookBinding,
  ModelsModel,
  SORT_KEYS,
  SortKey
} from './model';
import { CommandIDs, IModelsModel } from './tokens';

const PLUGIN_ID = 'jupyterlab-models:plugin';
const STATE_KEY = `${PLUGIN_ID}:list`;
/** Wait this long after the last cell execution before refreshing the variables. */
const VARIABLES_DEBOUNCE_MS = 500;

const plugin: JupyterFrontEndPlugin<ModelsModel> = {
  id: PLUGIN_ID,
  description: 'A Models panel to save, list, load and delete notebook models.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [
    ICommandPalette,
    ISettingRegistry,
    ITranslator,
    IStateDB,
    ILayoutRestorer,
    IDebugger
  ],
  provides: IModelsModel,
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    state: IStateDB | null,
    restorer: ILayoutRestorer | null,
    debuggerService: IDebugger | null
  ): ModelsModel => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_models');
    const model = new ModelsModel({
      serverRoot: PageConfig.getOption('serverRoot')
    });
    const panel = new ModelsPanel(
      model,
      app.commands,
      trans,
      (translator ?? nullTranslator).languageCode ?? 'en'
    );
    app.shell.add(panel, 'right', { rank: 600 });
    restorer?.add(panel, panel.id);

    const settings = {
      confirmOverwrite: true,
      autoRefreshVariables: true
    };
    addCommands(app.commands, {
      model,
      trans,
      showPanel: () => app.shell.activateById(panel.id),
      confirmOverwrite: () => settings.confirmOverwrite,
      variableUnderMenu: () =>
        app.contextMenuHitTest(node =>
          node.classList.contains('jp-Models-variable')
        )?.dataset.name,
      selectedIdentifier: () => selectedText(tracker),
      debuggerVariable: () =>
        debuggerService?.model.variables.selectedVariable?.name
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

    // Variables follow the notebook's cells, only while someone looks at them.
    let refreshTimer: ReturnType<typeof setTimeout> | undefined;
    NotebookActions.executed.connect((_, { notebook }) => {
      const current = tracker.currentWidget?.content;
      if (!settings.autoRefreshVariables || notebook !== current) {
        return;
      }
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => {
        if (panel.isVisible && model.status === 'ready' && !model.pending) {
          void model.refreshVariables().catch(() => undefined);
        }
      }, VARIABLES_DEBOUNCE_MS);
    });

    // Settings apply as they change; search and sort survive reloads (the default sort
    // applies when nothing was kept).
    void Promise.all([
      settingRegistry?.load(PLUGIN_ID),
      state?.fetch(STATE_KEY)
    ]).then(([loaded, saved]) => {
      if (loaded) {
        const apply = () => {
          settings.confirmOverwrite = loaded.get('confirmOverwrite')
            .composite as boolean;
          settings.autoRefreshVariables = loaded.get('autoRefreshVariables')
            .composite as boolean;
          model.setTimeout(
            (loaded.get('requestTimeout').composite as number) * 1000
          );
          model.setStoreSetting(
            loaded.get('storeLocation').composite as string
          );
        };
        loaded.changed.connect(apply);
        apply();
      }
      const defaultSort = loaded?.get('defaultSort').composite as SortKey;
      const kept = (saved ?? {}) as Partial<IListState>;
      model.setListState({
        query: typeof kept.query === 'string' ? kept.query : '',
        sort: SORT_KEYS.find(k => k === kept.sort) ?? defaultSort ?? 'name'
      });
      model.listStateChanged.connect((_, list) => {
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

export default plugin;
export { ModelsModel } from './model';
export { IModelsModel, CommandIDs } from './tokens';
