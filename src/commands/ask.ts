/** A form dialog asked again, keeping what was typed, until its value is valid. */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

export async function askUntilValid<T>(
  options: {
    title: string;
    /** The form, filled with what the user typed last time (at first, `initial`). */
    body: (previous: T) => Dialog.IBodyWidget<T> & Widget;
    cancel: string;
    accept: string;
    isValid: (value: T) => boolean;
  },
  initial: T
): Promise<T | null> {
  let value = initial;
  for (;;) {
    const result = await showDialog({
      title: options.title,
      body: options.body(value),
      buttons: [
        Dialog.cancelButton({ label: options.cancel }),
        Dialog.okButton({ label: options.accept })
      ],
      focusNodeSelector: 'input'
    });
    if (!result.button.accept || result.value === null) {
      return null; // cancelled
    }
    value = result.value;
    if (options.isValid(value)) {
      return value;
    }
  }
}
