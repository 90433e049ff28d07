/** What the panel says about its connection, the operation under way and the last error. */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { INSTALL_COMMAND } from '../bridge';
import { humanSize } from '../format';
import { errorMessage } from '../messages';
import { ModelsModel } from '../model';

interface IProps {
  model: ModelsModel;
  trans: TranslationBundle;
}

export function StatusBanner({ model, trans }: IProps): JSX.Element | null {
  return (
    <>
      <ConnectionMessage model={model} trans={trans} />
      {model.pending && model.pending.kind !== 'refresh' && (
        <PendingMessage model={model} trans={trans} />
      )}
      {model.listWaitsForCell && (
        <p className="jp-Models-message" role="status">
          {trans.__(
            'The list waits for the running cell: reading the store while a cell runs needs JupyterLab 4.4 or newer and a kernel with subshells (ipykernel 7 or newer).'
          )}
        </p>
      )}
      {model.error && (
        <div className="jp-Models-error" role="alert">
          {errorMessage(model.errorReason, trans)}
        </div>
      )}
    </>
  );
}

function ConnectionMessage({ model, trans }: IProps): JSX.Element | null {
  switch (model.status) {
    case 'ready':
      return null;
    case 'no-notebook':
      return (
        <p className="jp-Models-message">
          {trans.__('Open a notebook to save and load its models.')}
        </p>
      );
    case 'connecting':
      return (
        <p className="jp-Models-message" role="status">
          {model.statusMessage || trans.__('Connecting to the kernel…')}
        </p>
      );
    case 'waiting':
      return (
        <p className="jp-Models-message" role="status">
          {trans.__(
            'Waiting for the running cells to finish: the panel connects when the kernel is idle.'
          )}
        </p>
      );
    case 'kernel-dead':
      return (
        <p className="jp-Models-message jp-Models-warning" role="alert">
          {trans.__(
            'The kernel is dead. Restart it (Kernel menu) and the panel reconnects by itself.'
          )}
        </p>
      );
    case 'not-python':
      return (
        <p className="jp-Models-message jp-Models-warning" role="alert">
          {trans.__(
            "This notebook's kernel runs %1; models can be saved and loaded only from a Python kernel. Choose a Python kernel to use the Models panel.",
            model.kernelLanguage || trans.__('an unknown language')
          )}
        </p>
      );
    case 'no-kernel':
      return (
        <p className="jp-Models-message" role="status">
          {trans.__(
            'This notebook has no kernel. Select a Python kernel to save and load models.'
          )}
        </p>
      );
    case 'missing-package':
      return (
        <div className="jp-Models-message jp-Models-warning" role="alert">
          <p>
            {trans.__(
              "jupyterlab_models is not installed in this kernel's environment. Run this in a cell, then restart the kernel:"
            )}
          </p>
          <code className="jp-Models-command">{INSTALL_COMMAND}</code>
        </div>
      );
    default:
      return (
        <p className="jp-Models-message jp-Models-warning" role="alert">
          {model.statusMessage}
        </p>
      );
  }
}

function PendingMessage({ model, trans }: IProps): JSX.Element {
  const op = model.pending!;
  const label = {
    save: trans.__('Saving %1…', op.target),
    load: trans.__('Loading %1…', op.target),
    delete: trans.__('Deleting %1…', op.target),
    refresh: ''
  }[op.kind];
  return (
    <div className="jp-Models-pending" role="status">
      <span>{label}</span>
      {op.total > 0 && (
        <>
          <progress value={op.done} max={op.total} />
          <span>
            {humanSize(op.done)} / {humanSize(op.total)}
          </span>
        </>
      )}
    </div>
  );
}
