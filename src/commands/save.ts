/** Save a variable as a model: pick it, name it, describe it. */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { BridgeError } from '../bridge';
import {
  BaseNameDialogBody,
  ISaveValues,
  SaveDialogBody
} from '../components/dialogs';
import { shortClass } from '../format';
import { IModelInfo, normalizeModelName, validateModelName } from '../protocol';
import { IModelsModel } from '../tokens';
import { withProgress } from './progress';

export async function saveModel(
  model: IModelsModel,
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
        name => model.store.nextVersion(name),
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
  // An adapter whose base is not in the store: ask to save the base first, retry.
  let baseName: string | null = null;
  let saved: IModelInfo;
  for (;;) {
    try {
      saved = await withProgress(
        model,
        trans.__('Saving "%1"…', values.name),
        model.save(values.variable, values.name, values.description, {
          baseName: baseName ?? undefined
        })
      );
      break;
    } catch (reason) {
      if (
        reason instanceof BridgeError &&
        reason.code === 'base_missing' &&
        baseName === null
      ) {
        baseName = await askBaseName(model, values.name, reason.details, trans);
        if (baseName === null) {
          return;
        }
      } else {
        throw reason;
      }
    }
  }
  Notification.success(
    baseName === null
      ? trans.__('Saved "%1" (version %2).', saved.name, saved.version)
      : trans.__(
          'Saved "%1" (version %2) and its base model as "%3".',
          saved.name,
          saved.version,
          baseName
        ),
    { autoClose: 3000 }
  );
}

/** The name to save an adapter's base model under, or null when the user cancels. */
async function askBaseName(
  model: IModelsModel,
  adapter: string,
  details: Record<string, unknown>,
  trans: TranslationBundle
): Promise<string | null> {
  let name = `${adapter}-base`;
  for (;;) {
    const result = await showDialog({
      title: trans.__('Save the base model first?'),
      body: new BaseNameDialogBody(
        adapter,
        shortClass(String(details.base_type ?? '')),
        name,
        next => model.store.nextVersion(next),
        trans
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({ label: trans.__('Save base and adapter') })
      ],
      focusNodeSelector: 'input'
    });
    if (!result.button.accept || result.value === null) {
      return null;
    }
    name = result.value;
    if (validateModelName(name) === null) {
      return name;
    }
  }
}
