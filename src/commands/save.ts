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
import { askUntilValid } from './ask';
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
  const asked = await askUntilValid<ISaveValues>(
    {
      title: trans.__('Save model'),
      body: previous =>
        new SaveDialogBody(
          variables,
          previous,
          name => model.store.nextVersion(name),
          trans
        ),
      cancel: trans.__('Cancel'),
      accept: trans.__('Save'),
      isValid: v => validateModelName(normalizeModelName(v.name)) === null
    },
    { variable: first, name: first, description: '' }
  );
  if (asked === null) {
    return;
  }
  const values = { ...asked, name: normalizeModelName(asked.name) };
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
function askBaseName(
  model: IModelsModel,
  adapter: string,
  details: Record<string, unknown>,
  trans: TranslationBundle
): Promise<string | null> {
  return askUntilValid(
    {
      title: trans.__('Save the base model first?'),
      body: previous =>
        new BaseNameDialogBody(
          adapter,
          shortClass(String(details.base_type ?? '')),
          previous,
          next => model.store.nextVersion(next),
          trans
        ),
      cancel: trans.__('Cancel'),
      accept: trans.__('Save base and adapter'),
      isValid: name => validateModelName(name) === null
    },
    `${adapter}-base`
  );
}
