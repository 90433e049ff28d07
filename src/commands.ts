/** Every command of the extension and the dialogs they open. */
import {
  Clipboard,
  Dialog,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { BridgeError } from './bridge';
import {
  ISaveValues,
  LoadDialogBody,
  SaveDialogBody
} from './components/dialogs';
import { loadSnippet, suggestVariable } from './format';
import { errorMessage } from './messages';
import { ModelsModel } from './model';
import {
  ILoadResult,
  normalizeModelName,
  validateModelName,
  validateVariableName
} from './protocol';
import { CommandIDs } from './tokens';

export interface ICommandContext {
  model: ModelsModel;
  trans: TranslationBundle;
  showPanel: () => void;
  /** The `confirmOverwrite` setting: ask before a load replaces a variable. */
  confirmOverwrite: () => boolean;
  /** The variable row a context menu was opened on, if any. */
  variableUnderMenu: () => string | undefined;
  /** The identifier selected in the active cell's editor, if any. */
  selectedIdentifier: () => string | undefined;
  /** The variable selected in the debugger's Variables panel, if any. */
  debuggerVariable: () => string | undefined;
}

export function addCommands(
  commands: CommandRegistry,
  context: ICommandContext
): void {
  const { model, trans } = context;
  const ready = () => model.status === 'ready' && model.pending === null;
  const hasSelection = () => model.selected !== null;

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
    isEnabled: hasSelection,
    execute: () => {
      const selected = model.selected;
      if (selected) {
        Clipboard.copyToSystem(
          loadSnippet(model.storeLocation, selected.name, selected.version)
        );
        Notification.info(
          trans.__('Copied the code that loads "%1".', selected.name),
          {
            autoClose: 2000
          }
        );
      }
    }
  });

  commands.addCommand(CommandIDs.refresh, {
    label: trans.__('Refresh models'),
    // In any state: it retries from the start when the panel is not connected.
    isEnabled: () => model.notebook !== null && model.pending === null,
    execute: () => reportErrors(model.refresh(), trans)
  });

  commands.addCommand(CommandIDs.save, {
    label: args =>
      args.variable
        ? trans.__('Save "%1" as model…', args.variable as string)
        : trans.__('Save variable as model…'),
    isEnabled: ready,
    execute: args => {
      const variable =
        (args.variable as string | null | undefined) ??
        context.variableUnderMenu();
      return reportErrors(saveModel(model, trans, variable), trans);
    }
  });

  const isIdentifier = (name: string | undefined): name is string =>
    name !== undefined && validateVariableName(name) === null;

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

  commands.addCommand(CommandIDs.saveDebuggerVariable, {
    label: trans.__('Save as model…'),
    isVisible: () => isIdentifier(context.debuggerVariable()),
    isEnabled: ready,
    execute: () =>
      commands.execute(CommandIDs.save, {
        variable: context.debuggerVariable() ?? null
      })
  });

  commands.addCommand(CommandIDs.load, {
    label: trans.__('Load model…'),
    isEnabled: () => ready() && hasSelection(),
    execute: () =>
      reportErrors(loadModel(model, trans, context.confirmOverwrite()), trans)
  });

  commands.addCommand(CommandIDs.deleteModel, {
    label: trans.__('Delete model…'),
    isEnabled: () => ready() && hasSelection(),
    execute: () => reportErrors(deleteModel(model, trans), trans)
  });
}

async function saveModel(
  model: ModelsModel,
  trans: TranslationBundle,
  preferred?: string | null
): Promise<void> {
  const variables = await model.refreshVariables();
  if (variables.length === 0) {
    await showDialog({
      title: trans.__('No model to save'),
      body: trans.__(
        'This notebook has no variable of a supported model type. Train a model in a cell, run it, then try again.'
      ),
      buttons: [Dialog.okButton({ label: trans.__('OK') })]
    });
    return;
  }
  if (preferred && !variables.some(v => v.name === preferred)) {
    await showDialog({
      title: trans.__('Not a model'),
      body: trans.__(
        '"%1" is not a variable of a supported model type in this notebook.',
        preferred
      ),
      buttons: [Dialog.okButton({ label: trans.__('OK') })]
    });
    return;
  }
  const first = preferred ?? variables[0].name;
  let values: ISaveValues = { variable: first, name: first, description: '' };
  // Ask again, keeping what was typed, until the name is valid or the user cancels.
  for (;;) {
    const result = await showDialog({
      title: trans.__('Save model'),
      body: new SaveDialogBody(
        variables,
        values,
        name => model.nextVersion(name),
        trans
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({ label: trans.__('Save') })
      ],
      focusNodeSelector: 'input'
    });
    if (!result.button.accept || !result.value) {
      return;
    }
    values = { ...result.value, name: normalizeModelName(result.value.name) };
    if (validateModelName(values.name) === null) {
      break;
    }
  }
  const saved = await withProgress(
    model,
    trans.__('Saving "%1"…', values.name),
    model.save(values.variable, values.name, values.description)
  );
  Notification.success(
    trans.__('Saved "%1" (version %2).', saved.name, saved.version),
    { autoClose: 3000 }
  );
}

async function loadModel(
  model: ModelsModel,
  trans: TranslationBundle,
  askBeforeOverwrite: boolean
): Promise<void> {
  const selected = model.selected;
  if (!selected) {
    return;
  }
  let variable = suggestVariable(selected.name);
  for (;;) {
    const result = await showDialog({
      title: trans.__(
        'Load "%1" (version %2)',
        selected.name,
        selected.version
      ),
      body: new LoadDialogBody(variable, trans),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({ label: trans.__('Load') })
      ],
      focusNodeSelector: 'input'
    });
    if (!result.button.accept || result.value === null) {
      return;
    }
    variable = result.value;
    if (validateVariableName(variable) === null) {
      break;
    }
  }
  // The kernel asks before it overwrites a variable or trusts a type: ask the user, retry.
  const options: { overwrite?: boolean; trusted?: string[] } = {
    overwrite: !askBeforeOverwrite
  };
  let loaded: ILoadResult;
  for (;;) {
    try {
      loaded = await withProgress(
        model,
        trans.__('Loading "%1"…', selected.name),
        model.load(selected.name, selected.version, variable, options)
      );
      break;
    } catch (reason) {
      const question = reason instanceof BridgeError ? reason : null;
      if (question?.code === 'variable_exists' && !options.overwrite) {
        if (!(await confirmOverwrite(variable, trans))) {
          return;
        }
        options.overwrite = true;
      } else if (question?.code === 'untrusted' && !options.trusted) {
        const types = (question.details.untrusted as string[]) ?? [];
        if (!(await confirmTrust(selected.name, types, trans))) {
          return;
        }
        options.trusted = types;
      } else {
        throw reason;
      }
    }
  }
  for (const warning of loaded.warnings) {
    Notification.warning(warning, { autoClose: false });
  }
  Notification.success(
    trans.__('Loaded "%1" into %2.', selected.name, variable),
    { autoClose: 3000 }
  );
}

async function confirmOverwrite(
  variable: string,
  trans: TranslationBundle
): Promise<boolean> {
  const result = await showDialog({
    title: trans.__('Overwrite "%1"?', variable),
    body: trans.__(
      'The notebook already has a variable "%1". Loading replaces its value.',
      variable
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: trans.__('Overwrite') })
    ]
  });
  return result.button.accept;
}

async function confirmTrust(
  name: string,
  types: string[],
  trans: TranslationBundle
): Promise<boolean> {
  const result = await showDialog({
    title: trans.__('Trust the types of "%1"?', name),
    body: trans.__(
      'Loading this model runs code of these types, which are not known to be safe: %1. Load it only if you trust where it came from.',
      types.join(', ')
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: trans.__('Trust and load') })
    ]
  });
  return result.button.accept;
}

async function deleteModel(
  model: ModelsModel,
  trans: TranslationBundle
): Promise<void> {
  const selected = model.selected;
  if (!selected) {
    return;
  }
  const count = Math.max(model.selectedVersions.length, 1);
  const result = await showDialog({
    title: trans.__('Delete model'),
    body:
      count > 1
        ? trans.__(
            'Delete "%1" from the store? All its %2 versions go, unless you tick the box below. This cannot be undone.',
            selected.name,
            count
          )
        : trans.__(
            'Delete "%1" from the store? This cannot be undone.',
            selected.name
          ),
    checkbox:
      count > 1
        ? {
            label: trans.__('Only version %1', selected.version),
            checked: false
          }
        : null,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: trans.__('Delete') })
    ]
  });
  if (!result.button.accept) {
    return;
  }
  const only = count > 1 && result.isChecked ? selected.version : null;
  const deleted = await model.delete(selected.name, only);
  Notification.success(
    trans._n(
      'Deleted "%2" (version %3).',
      'Deleted "%2" (%1 versions).',
      deleted.length,
      selected.name,
      deleted.join(', ')
    ),
    { autoClose: 3000 }
  );
}

/** An operation that takes over this long also shows its progress as a notification. */
const PROGRESS_NOTIFICATION_DELAY_MS = 500;

async function withProgress<T>(
  model: ModelsModel,
  message: string,
  work: Promise<T>
): Promise<T> {
  let id: string | null = null;
  const progress = () => {
    const op = model.pending;
    return op && op.total > 0 ? op.done / op.total : undefined;
  };
  const timer = setTimeout(() => {
    id = Notification.emit(message, 'in-progress', {
      autoClose: false,
      progress: progress()
    });
  }, PROGRESS_NOTIFICATION_DELAY_MS);
  const onChange = () => {
    if (id !== null) {
      Notification.update({ id, message, progress: progress() });
    }
  };
  model.changed.connect(onChange);
  try {
    return await work;
  } finally {
    clearTimeout(timer);
    model.changed.disconnect(onChange);
    if (id !== null) {
      Notification.dismiss(id);
    }
  }
}

/** Errors reach the user as a notification (the panel shows them as well). */
async function reportErrors(
  work: Promise<void>,
  trans: TranslationBundle
): Promise<void> {
  try {
    await work;
  } catch (reason) {
    Notification.error(trans.__('Models: %1', errorMessage(reason, trans)), {
      autoClose: false
    });
  }
}
