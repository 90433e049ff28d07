/** How a command's work reaches the user: progress as a notification, errors in words. */
import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { BridgeError } from '../bridge';
import { errorMessage } from '../messages';
import { IModelsModel } from '../tokens';

/** An operation that takes over this long also shows its progress as a notification. */
const PROGRESS_NOTIFICATION_DELAY_MS = 500;

export async function withProgress<T>(
  model: IModelsModel,
  message: string,
  work: Promise<T>
): Promise<T> {
  let id: string | null = null;
  const progress = () => {
    const op = model.operation.pending;
    return op && op.total > 0 ? op.done / op.total : undefined;
  };
  const timer = setTimeout(() => {
    id = Notification.emit(message, 'in-progress', {
      autoClose: false,
      progress: progress()
    });
  }, PROGRESS_NOTIFICATION_DELAY_MS);
  const onProgress = () => {
    if (id !== null) {
      Notification.update({ id, message, progress: progress() });
    }
  };
  model.operation.progressed.connect(onProgress);
  try {
    return await work;
  } finally {
    clearTimeout(timer);
    model.operation.progressed.disconnect(onProgress);
    if (id !== null) {
      Notification.dismiss(id);
    }
  }
}

/** Errors reach the user as a notification (the panel shows them as well). */
export async function reportErrors(
  work: Promise<void>,
  trans: TranslationBundle
): Promise<void> {
  try {
    await work;
  } catch (reason) {
    if (reason instanceof BridgeError && reason.code === 'cancelled') {
      Notification.info(trans.__('Models: cancelled; nothing was changed.'), {
        autoClose: 5000
      });
      return;
    }
    Notification.error(trans.__('Models: %1', errorMessage(reason, trans)), {
      autoClose: false
    });
  }
}
