/** The notebook's supported variables, each one click away from "Save as model". */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { shortClass } from '../format';
import { libraryIcon } from '../icons';
import { IVariableInfo } from '../protocol';

interface IProps {
  variables: readonly IVariableInfo[];
  /** Being fetched: the request waits for a running cell. */
  pending?: boolean;
  disabled: boolean;
  onSave: (variable: string) => void;
  trans: TranslationBundle;
}

export function VariableList({
  variables,
  pending,
  disabled,
  onSave,
  trans
}: IProps): JSX.Element {
  return (
    <div className="jp-Models-variables">
      {pending && (
        <p className="jp-Models-message" role="status">
          {trans.__(
            'Waiting for the running cell to list the variables; the models above are up to date.'
          )}
        </p>
      )}
      {variables.length === 0 && pending ? null : variables.length === 0 ? (
        <p className="jp-Models-empty">
          {trans.__('No variable of a supported model type in this notebook.')}
        </p>
      ) : (
        <ul aria-label={trans.__('Supported variables')}>
          {variables.map(v => {
            const Icon = libraryIcon(v.library).react;
            return (
              <li
                key={v.name}
                className="jp-Models-variable"
                data-name={v.name}
                title={v.class}
              >
                <Icon tag="span" className="jp-Models-itemIcon" />
                <span className="jp-Models-itemName" title={v.name}>
                  {v.name}
                </span>
                <span className="jp-Models-itemMeta">
                  {shortClass(v.class)}
                </span>
                <button
                  className="jp-Button jp-mod-styled jp-mod-minimal"
                  aria-label={trans.__('Save %1 as model', v.name)}
                  disabled={disabled}
                  onClick={() => onSave(v.name)}
                >
                  {trans.__('Save…')}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
