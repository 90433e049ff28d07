/** Every command of the extension and the dialogs they open. */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { BridgeError } from './bridge';
import {
  ISaveValues,
  LoadDialogBody,
  SaveDialogBody
} from './components/dialogs';
import { suggestVariable } from './format';
import { describeError, ModelsModel } from './model';
import {
  ILoadResult,
  validateModelName,
  validateVariableName
} from './protocol';
import { CommandIDs } from './tokens';

export function addCommands(
  commands: CommandRegistry,
  model: ModelsModel,
  trans: TranslationBundle,
  showPanel: () => void
): void {
  const ready = () => model.status === 'ready' && model.pending === null;

  commands.addCommand(CommandIDs.open, {
    label: trans.__('Show Models panel'),
    execute: showPanel
  });

  commands.addCommand(CommandIDs.refresh, {
    label: trans.__('Refresh models'),
    isEnabled: ready,
    execute: () => reportErrors(model.refresh(), trans)
  });

  commands.addCommand(CommandIDs.save, {
    label: trans.__('Save variable as model…'),
    isEnabled: ready,
    execute: () => reportErrors(saveModel(model, trans), trans)
  });

  commands.addCommand(CommandIDs.load, {
    label: trans.__('Load model…'),
    isEnabled: () => ready() && model.selected !== null,
    execute: () => reportErrors(loadModel(model, trans), trans)
  });

  commands.addCommand(CommandIDs.deleteModel, {
    label: trans.__('Delete model…'),
    isEnabled: () => ready() && model.selected !== null,
    execute: () => reportErrors(deleteModel(model, trans), trans)
  });
}

async function saveModel(
  model: ModelsModel,
  trans: TranslationBundle
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
  let values: ISaveValues = {
    variable: variables[0].name,
    name: variables[0].name,
    description: ''
  };
  // Ask again, keeping what was typed, until the name is valid or the user cancels.
  for (;;) {
    const result = await showDialog({
      title: trans.__('Save model'),
      body: new SaveDialogBody(variables, values, trans),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({ label: trans.__('Save') })
      ],
      focusNodeSelector: 'input'
    });
    if (!result.button.accept || !result.value) {
      return;
    }
    values = result.value;
    if (validateModelName(values.name) === null) {
      break;
    }
  }
  const saved = await model.save(
    values.variable,
    values.name,
    values.description
  );
  Notification.success(
    trans.__('Saved "%1" (version %2).', saved.name, saved.version),
    { autoClose: 3000 }
  );
}

async function loadModel(
  model: ModelsModel,
  trans: TranslationBundle
): Promise<void> {
  const selected = model.selected;
  if (!selected) {
    return;
  }
  let variable = suggestVariable(selected.name);
  for (;;) {
    const result = await showDialog({
      title: trans.__('Load "%1"', selected.name),
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
  const options: { overwrite?: boolean; trusted?: string[] } = {};
  let loaded: ILoadResult;
  for (;;) {
    try {
      loaded = await model.load(
        selected.name,
        selected.version,
        variable,
        options
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
  const result = await showDialog({
    title: trans.__('Delete model'),
    body: trans.__(
      'Delete "%1" and all its versions from the store? This cannot be undone.',
      selected.name
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: trans.__('Delete') })
    ]
  });
  if (!result.button.accept) {
    return;
  }
  await model.delete(selected.name, null);
  Notification.success(trans.__('Deleted "%1".', selected.name), {
    autoClose: 3000
  });
}

/** Errors reach the user as a notification (the panel shows them as well). */
async function reportErrors(
  work: Promise<void>,
  trans: TranslationBundle
): Promise<void> {
  try {
    await work;
  } catch (reason) {
    Notification.error(trans.__('Models: %1', describeError(reason)), {
      autoClose: false
    });
  }
}
