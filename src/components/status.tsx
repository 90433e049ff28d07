/** What the panel says about its connection, the operation under way and the last error. */
import { TranslationBundle } from '@jupyterlab/translation';
import { UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';
import { INSTALL_COMMAND } from '../bridge';
import { humanSize } from '../format';
import { errorMessage, setupMessage } from '../messages';
import { IKernelConnectionModel } from '../models/connection';
import { IOperationModel, IPendingOperation } from '../models/operation';

interface IProps {
  connection: IKernelConnectionModel;
  operation: IOperationModel;
  trans: TranslationBundle;
}

export function StatusBanner({
  connection,
  operation,
  trans
}: IProps): JSX.Element {
  return (
    <>
      <UseSignal signal={connection.statusChanged}>
        {() => <ConnectionMessage connection={connection} trans={trans} />}
      </UseSignal>
      <UseSignal signal={operation.changed}>
        {() => (
          <>
            {operation.pending && operation.pending.kind !== 'refresh' && (
              <PendingMessage operation={operation} trans={trans} />
            )}
            {operation.pending?.kind === 'refresh' &&
              connection.waitsForCell && (
                <p className="jp-Models-message" role="status">
                  {trans.__(
                    'The list waits for the running cell: reading the store while a cell runs needs JupyterLab 4.4 or newer and a kernel with subshells (ipykernel 7 or newer).'
                  )}
                </p>
              )}
            {operation.error !== null && (
              <div className="jp-Models-error" role="alert">
                {errorMessage(operation.error, trans)}
              </div>
            )}
          </>
        )}
      </UseSignal>
    </>
  );
}

export function ConnectionMessage({
  connection,
  trans
}: {
  connection: IKernelConnectionModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  switch (connection.status) {
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
          {trans.__('Connecting to the kernel…')}
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
            connection.kernelLanguage || trans.__('an unknown language')
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
          {setupMessage(connection.failure, trans)}
        </p>
      );
  }
}

function PendingMessage({
  operation,
  trans
}: {
  operation: IOperationModel;
  trans: TranslationBundle;
}): JSX.Element {
  const op = operation.pending!;
  const label = {
    save: trans.__('Saving %1…', op.target),
    load: trans.__('Loading %1…', op.target),
    delete: trans.__('Deleting %1…', op.target),
    refresh: ''
  }[op.kind];
  if (op.cancelWait) {
    const cancel = op.cancelWait;
    return (
      <div className="jp-Models-pending jp-Models-waiting" role="status">
        <span>
          {label}{' '}
          {trans.__(
            'Waiting for the running cell: %1 touches the notebook’s variables, so it runs when the cell ends.',
            op.kind === 'save' ? trans.__('saving') : trans.__('loading')
          )}
        </span>
        <button className="jp-mod-styled jp-mod-reject" onClick={cancel}>
          {trans.__('Cancel')}
        </button>
      </div>
    );
  }
  return (
    <div className="jp-Models-pending" role="status">
      <span>{label}</span>
      <UseSignal signal={operation.progressed} initialArgs={op}>
        {(_, current) =>
          current && current.total > 0 ? <Bytes op={current} /> : null
        }
      </UseSignal>
    </div>
  );
}

function Bytes({ op }: { op: IPendingOperation }): JSX.Element {
  return (
    <>
      <progress value={op.done} max={op.total} />
      <span>
        {humanSize(op.done)} / {humanSize(op.total)}
      </span>
    </>
  );
}
