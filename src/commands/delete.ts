/** Delete a stored model, all its versions or one. */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { IModelsModel } from '../tokens';
import { IModelVersion } from './target';

export async function deleteModel(
  model: IModelsModel,
  trans: TranslationBundle,
  /** One version picked in a model card: only it goes. Else the sidebar's selection. */
  target?: IModelVersion
): Promise<void> {
  if (target) {
    return deleteVersion(model, trans, target);
  }
  const selected = model.store.selected;
  if (!selected) {
    return;
  }
  const count = Math.max(model.store.selectedVersions.length, 1);
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

async function deleteVersion(
  model: IModelsModel,
  trans: TranslationBundle,
  target: IModelVersion
): Promise<void> {
  const result = await showDialog({
    title: trans.__('Delete version %1 of "%2"?', target.version, target.name),
    body: trans.__(
      'Only this version goes; the others stay. This cannot be undone.'
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: trans.__('Delete') })
    ]
  });
  if (!result.button.accept) {
    return;
  }
  await model.delete(target.name, target.version);
  Notification.success(
    trans.__('Deleted "%1" (version %2).', target.name, target.version),
    { autoClose: 3000 }
  );
}
