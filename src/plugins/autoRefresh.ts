/**
 * The auto refresh plugin: the variables follow the notebook's cells, only while someone
 * looks at them, once the cells have stopped for a moment (Lumino's Debouncer).
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Debouncer } from '@lumino/polling';
import { PANEL_ID } from '../components/panel';
import { IModelsModel } from '../tokens';
import { PLUGIN_ID } from './core';

/** Wait this long after the last cell execution before refreshing the variables. */
const VARIABLES_DEBOUNCE_MS = 500;

export const autoRefreshPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-models:auto-refresh',
  description: 'Refreshes the variables of the Models panel after cells run.',
  autoStart: true,
  requires: [IModelsModel, INotebookTracker],
  optional: [ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    model: IModelsModel,
    tracker: INotebookTracker,
    settingRegistry: ISettingRegistry | null
  ): void => {
    let enabled = true;
    void settingRegistry?.load(PLUGIN_ID).then(settings => {
      const apply = () =>
        (enabled = settings.get('autoRefreshVariables').composite as boolean);
      settings.changed.connect(apply);
      apply();
    });
    // `widgets()` alone lists the main area only; the panel lives in a side bar (the right
    // one unless the user moved it).
    const panelVisible = () => {
      for (const area of ['right', 'left', 'main'] as const) {
        for (const widget of app.shell.widgets(area)) {
          if (widget.id === PANEL_ID) {
            return widget.isVisible;
          }
        }
      }
      return false;
    };
    // Cells that ended while the panel was not connected (a restart under way) or while an
    // operation ran (the start's own refresh, mostly): refreshed once it can, else the
    // variables would stay as they were before the cell.
    let missed = false;
    const canRefresh = () =>
      model.connection.status === 'ready' && model.operation.pending === null;
    const refresh = new Debouncer(() => {
      if (!panelVisible()) {
        return;
      }
      missed = !canRefresh();
      if (!missed) {
        return model.refreshVariables().then(
          () => undefined,
          () => undefined
        );
      }
    }, VARIABLES_DEBOUNCE_MS);
    const retryMissed = () => {
      if (missed && canRefresh()) {
        missed = false;
        void refresh.invoke();
      }
    };
    model.operation.changed.connect(retryMissed);
    model.connection.statusChanged.connect(retryMissed);
    NotebookActions.executed.connect((_, { notebook }) => {
      if (enabled && notebook === tracker.currentWidget?.content) {
        void refresh.invoke();
      }
    });
  }
};
