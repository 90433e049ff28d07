/** The sidebar plugin: the Models panel in the right area, its toolbars from the settings. */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  createToolbarFactory,
  IToolbarWidgetRegistry,
  setToolbar
} from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { addDefaultButtons, ModelsSidebar } from '../components/panel';
import { CommandIDs, IModelsModel } from '../tokens';

/** The toolbar's name in `jupyter.lab.toolbars` of schema/sidebar.json. */
const MODELS_TOOLBAR = 'ModelsPanel';

const SIDEBAR_ID = 'jupyterlab-models:sidebar';

export const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: SIDEBAR_ID,
  description: 'The Models panel in the right sidebar.',
  autoStart: true,
  requires: [IModelsModel],
  optional: [
    ITranslator,
    ILayoutRestorer,
    ISettingRegistry,
    IToolbarWidgetRegistry
  ],
  activate: (
    app: JupyterFrontEnd,
    model: IModelsModel,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    toolbarRegistry: IToolbarWidgetRegistry | null
  ): void => {
    const language = translator ?? nullTranslator;
    const panel = new ModelsSidebar({
      model,
      commands: app.commands,
      translator: language,
      locale: language.languageCode ?? 'en'
    });
    const section = panel.modelsSection;
    if (settingRegistry && toolbarRegistry) {
      // Users rearrange these buttons in the settings (jupyter.lab.toolbars).
      setToolbar(
        section,
        createToolbarFactory(
          toolbarRegistry,
          settingRegistry,
          MODELS_TOOLBAR,
          SIDEBAR_ID,
          language
        )
      );
    } else {
      addDefaultButtons(section, app.commands, [
        CommandIDs.save,
        CommandIDs.refresh
      ]);
    }
    app.shell.add(panel, 'right', { rank: 600 });
    restorer?.add(panel, panel.id);
  }
};
