/** Every command of the extension; the workflows behind them have a file each. */
import { Clipboard, Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import {
  addIcon,
  deleteIcon,
  downloadIcon,
  refreshIcon
} from '@jupyterlab/ui-components';
import { loadSnippet } from '../format';
import { validateVariableName } from '../protocol';
import { CommandIDs, IModelsModel } from '../tokens';
import { deleteModel } from './delete';
import { loadModel } from './load';
import { reportErrors } from './progress';
import { saveModel } from './save';
import { versionFromArgs } from './target';

export interface ICommandContext {
  model: IModelsModel;
  trans: TranslationBundle;
  showPanel: () => void;
  /** The `confirmOverwrite` setting: ask before a load replaces a variable. */
  confirmOverwrite: () => boolean;
  /** The variable row a context menu was opened on, if any. */
  variableUnderMenu: () => string | undefined;
  /** The identifier selected in the active cell's editor, if any. */
  selectedIdentifier: () => string | undefined;
}

/** Whether a save or a load may start: connected and nothing else under way. */
export function canOperate(model: IModelsModel): boolean {
  return (
    model.connection.status === 'ready' && model.operation.pending === null
  );
}

export function isIdentifier(name: string | undefined): name is string {
  return name !== undefined && validateVariableName(name) === null;
}

export function addCommands(
  commands: CommandRegistry,
  context: ICommandContext
): void {
  const { model, trans } = context;
  const ready = () => canOperate(model);
  const hasSelection = () => model.store.selected !== null;
  // Buttons, menus and palette entries follow the model's state (not its progress).
  model.stateChanged.connect(() => commands.notifyCommandChanged());

  commands.addCommand(CommandIDs.open, {
    label: trans.__('Show Models panel'),
    execute: context.showPanel
  });

  commands.addCommand(CommandIDs.showDetails, {
    label: trans.__('Show details'),
    isEnabled: hasSelection,
    execute: context.showPanel
  });

  commands.addCommand(CommandIDs.copyLoadCode, {
    label: trans.__('Copy load code'),
    caption: trans.__('Copy Python that loads this model with ModelStore'),
    isEnabled: args => hasSelection() || versionFromArgs(args) !== undefined,
    execute: args => {
      const name =
        (args.name as string | undefined) ?? model.store.selected?.name;
      const version =
        (args.version as number | undefined) ?? model.store.selected?.version;
      if (name === undefined || version === undefined) {
        return;
      }
      Clipboard.copyToSystem(
        loadSnippet(model.connection.storeLocation, name, version)
      );
      Notification.info(trans.__('Copied the code that loads "%1".', name), {
        autoClose: 2000
      });
    }
  });

  commands.addCommand(CommandIDs.refresh, {
    label: args => (args.toolbar ? '' : trans.__('Refresh models')),
    caption: args =>
      args.toolbar
        ? trans.__('Refresh')
        : trans.__('Refresh the models and the variables'),
    icon: refreshIcon,
    // In any state, even while an operation waits for a running cell: it retries from the
    // start when the panel is not connected.
    isEnabled: () => model.connection.notebook !== null,
    execute: () => reportErrors(model.refresh(), trans)
  });

  commands.addCommand(CommandIDs.save, {
    label: args =>
      args.variable
        ? trans.__('Save "%1" as model…', args.variable as string)
        : args.toolbar
          ? trans.__('Save model')
          : trans.__('Save variable as model…'),
    caption: args =>
      args.toolbar
        ? trans.__('Save model')
        : trans.__('Save a variable of the notebook as a model'),
    icon: args => (args.toolbar ? addIcon : undefined),
    isEnabled: ready,
    execute: args => {
      const variable =
        (args.variable as string | null | undefined) ??
        context.variableUnderMenu();
      return reportErrors(saveModel(model, trans, variable), trans);
    }
  });

  commands.addCommand(CommandIDs.saveSelection, {
    label: () =>
      trans.__('Save "%1" as model…', context.selectedIdentifier() ?? ''),
    isVisible: () => isIdentifier(context.selectedIdentifier()),
    isEnabled: ready,
    execute: () =>
      commands.execute(CommandIDs.save, {
        variable: context.selectedIdentifier() ?? null
      })
  });

  commands.addCommand(CommandIDs.load, {
    label: args => (args.toolbar ? trans.__('Load') : trans.__('Load model…')),
    caption: trans.__('Load the selected model into a variable'),
    icon: args => (args.toolbar ? downloadIcon : undefined),
    isEnabled: args =>
      ready() && (hasSelection() || versionFromArgs(args) !== undefined),
    execute: args =>
      reportErrors(
        loadModel(
          model,
          trans,
          context.confirmOverwrite(),
          versionFromArgs(args)
        ),
        trans
      )
  });

  commands.addCommand(CommandIDs.deleteModel, {
    label: args =>
      args.toolbar ? trans.__('Delete') : trans.__('Delete model…'),
    caption: trans.__('Delete the selected model from the store'),
    icon: args => (args.toolbar ? deleteIcon : undefined),
    isEnabled: args =>
      ready() && (hasSelection() || versionFromArgs(args) !== undefined),
    execute: args =>
      reportErrors(deleteModel(model, trans, versionFromArgs(args)), trans)
  });
}
