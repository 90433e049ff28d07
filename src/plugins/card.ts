/** The model card plugin: "Open" a stored model as a tab of the main area. */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { cardId, createCardWidget } from '../components/card';
import { ModelCardModel } from '../models/card';
import { CommandIDs, IModelsModel } from '../tokens';

export const cardPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-models:card',
  description:
    'Model cards: every field, version, file and the signature of a model.',
  autoStart: true,
  requires: [IModelsModel],
  optional: [ITranslator],
  activate: (
    app: JupyterFrontEnd,
    model: IModelsModel,
    translator: ITranslator | null
  ): void => {
    const language = translator ?? nullTranslator;
    const trans = language.load('jupyterlab_models');
    const nameOf = (args: Record<string, unknown>) =>
      typeof args.name === 'string' ? args.name : model.store.selectedName;
    app.commands.addCommand(CommandIDs.openCard, {
      label: trans.__('Open'),
      caption: trans.__('Open the model card in the main area'),
      isEnabled: args =>
        nameOf(args) !== null && model.connection.bridge !== null,
      execute: args => {
        const name = nameOf(args);
        if (name === null) {
          return;
        }
        const id = cardId(name);
        for (const widget of app.shell.widgets('main')) {
          if (widget.id === id) {
            app.shell.activateById(id);
            return;
          }
        }
        const widget = createCardWidget({
          card: new ModelCardModel(model, name),
          commands: app.commands,
          trans,
          locale: language.languageCode ?? 'en'
        });
        app.shell.add(widget, 'main');
        app.shell.activateById(id);
      }
    });
  }
};
