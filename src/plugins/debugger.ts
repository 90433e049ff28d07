/** The debugger integration: "Save as model…" on a variable of the debugger's Variables panel. */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IDebugger } from '@jupyterlab/debugger';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { canOperate, isIdentifier } from '../commands';
import { CommandIDs, IModelsModel } from '../tokens';

export const debuggerPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-models:debugger',
  description: 'Save a variable selected in the debugger as a model.',
  autoStart: true,
  requires: [IModelsModel, IDebugger],
  optional: [ITranslator],
  activate: (
    app: JupyterFrontEnd,
    model: IModelsModel,
    debuggerService: IDebugger,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_models');
    const selected = () =>
      debuggerService.model.variables.selectedVariable?.name;
    app.commands.addCommand(CommandIDs.saveDebuggerVariable, {
      label: trans.__('Save as model…'),
      isVisible: () => isIdentifier(selected()),
      isEnabled: () => canOperate(model),
      execute: () =>
        app.commands.execute(CommandIDs.save, { variable: selected() ?? null })
    });
  }
};
