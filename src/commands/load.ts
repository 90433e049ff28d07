/** Load a stored model into a variable, asking before it overwrites or trusts. */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { BridgeError } from '../bridge';
import { LoadDialogBody } from '../components/dialogs';
import { suggestVariable } from '../format';
import { ILoadResult, validateVariableName } from '../protocol';
import { IModelsModel } from '../tokens';
import { askUntilValid } from './ask';
import { IModelVersion } from './target';
import { withProgress } from './progress';

export async function loadModel(
  model: IModelsModel,
  trans: TranslationBundle,
  askBeforeOverwrite: boolean,
  /** A version picked in a model card; else the sidebar's selection. */
  target?: IModelVersion
): Promise<void> {
  const selected = target ?? model.store.selected;
  if (!selected) {
    return;
  }
  const variable = await askUntilValid(
    {
      title: trans.__(
        'Load "%1" (version %2)',
        selected.name,
        selected.version
      ),
      body: previous => new LoadDialogBody(previous, trans),
      cancel: trans.__('Cancel'),
      accept: trans.__('Load'),
      isValid: name => validateVariableName(name) === null
    },
    suggestVariable(selected.name)
  );
  if (variable === null) {
    return;
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
