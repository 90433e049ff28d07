/** Bodies of the Save and Load dialogs: fields validated as the user types. */
import { Dialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';
import { shortClass } from '../format';
import { modelNameMessage, variableNameMessage } from '../messages';
import {
  DESCRIPTION_MAX_LENGTH,
  IVariableInfo,
  normalizeModelName,
  validateModelName,
  validateVariableName
} from '../protocol';

export interface ISaveValues {
  variable: string;
  name: string;
  description: string;
}

/** Pick a variable, name the model (defaults to the variable), describe it. */
export class SaveDialogBody
  extends ReactWidget
  implements Dialog.IBodyWidget<ISaveValues>
{
  constructor(
    private _variables: readonly IVariableInfo[],
    initial: ISaveValues,
    private _nextVersion: (name: string) => number,
    private _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-Models-form');
    this._values = { ...initial };
  }

  getValue(): ISaveValues {
    return { ...this._values };
  }

  protected render(): JSX.Element {
    return (
      <SaveForm
        variables={this._variables}
        initial={this._values}
        nextVersion={this._nextVersion}
        onChange={values => (this._values = values)}
        trans={this._trans}
      />
    );
  }

  private _values: ISaveValues;
}

function SaveForm(props: {
  variables: readonly IVariableInfo[];
  initial: ISaveValues;
  nextVersion: (name: string) => number;
  onChange: (values: ISaveValues) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  const [values, setValues] = React.useState(props.initial);
  // The name follows the variable until the user types a name of their own.
  const [nameEdited, setNameEdited] = React.useState(
    props.initial.name !== '' && props.initial.name !== props.initial.variable
  );
  const update = (patch: Partial<ISaveValues>) => {
    const next = { ...values, ...patch };
    setValues(next);
    props.onChange(next);
  };
  return (
    <div className="jp-Models-fields">
      <label>
        {trans.__('Variable')}
        <select
          className="jp-mod-styled"
          aria-label={trans.__('Variable')}
          value={values.variable}
          onChange={event => {
            const variable = event.target.value;
            update(nameEdited ? { variable } : { variable, name: variable });
          }}
        >
          {props.variables.map(v => (
            <option key={v.name} value={v.name}>
              {`${v.name} — ${v.library} ${shortClass(v.class)}`}
            </option>
          ))}
        </select>
      </label>
      <ModelNameField
        value={values.name}
        nextVersion={props.nextVersion}
        onChange={name => {
          setNameEdited(true);
          update({ name });
        }}
        trans={trans}
      />
      <label>
        {trans.__('Description (optional)')}
        <textarea
          className="jp-mod-styled"
          aria-label={trans.__('Description')}
          rows={3}
          maxLength={DESCRIPTION_MAX_LENGTH}
          value={values.description}
          onChange={event => update({ description: event.target.value })}
        />
      </label>
    </div>
  );
}

/** A model name, checked as it is typed, with the version it will be saved as. */
function ModelNameField(props: {
  value: string;
  nextVersion: (name: string) => number;
  onChange: (name: string) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { trans, value } = props;
  const problem = validateModelName(normalizeModelName(value));
  const error = problem ? modelNameMessage(problem, value, trans) : null;
  return (
    <>
      <label>
        {trans.__('Model name')}
        <input
          className="jp-mod-styled"
          aria-label={trans.__('Model name')}
          aria-invalid={error !== null}
          value={value}
          onChange={event => props.onChange(event.target.value)}
        />
      </label>
      {error && (
        <p className="jp-Models-fieldError" role="alert">
          {error}
        </p>
      )}
      {!error && props.nextVersion(value) > 1 && (
        <p className="jp-Models-note" role="status">
          {trans.__(
            '"%1" exists: this will be saved as version %2.',
            value,
            props.nextVersion(value)
          )}
        </p>
      )}
    </>
  );
}

/**
 * An adapter whose base model is not in the store: say so, and ask the name its base is saved
 * under first (the adapter then refers to it).
 */
export class BaseNameDialogBody
  extends ReactWidget
  implements Dialog.IBodyWidget<string>
{
  constructor(
    private _adapter: string,
    private _baseClass: string,
    initial: string,
    private _nextVersion: (name: string) => number,
    private _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-Models-form');
    this._name = initial;
  }

  getValue(): string {
    return normalizeModelName(this._name);
  }

  protected render(): JSX.Element {
    const trans = this._trans;
    return (
      <div className="jp-Models-fields">
        <p>
          {trans.__(
            'The adapter "%1" is stored alone, with a reference to its base model (%2), which is not in the store. Save the base first, as a model of its own?',
            this._adapter,
            this._baseClass
          )}
        </p>
        <BaseNameForm
          initial={this._name}
          nextVersion={this._nextVersion}
          onChange={name => (this._name = name)}
          trans={trans}
        />
      </div>
    );
  }

  private _name: string;
}

function BaseNameForm(props: {
  initial: string;
  nextVersion: (name: string) => number;
  onChange: (name: string) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const [name, setName] = React.useState(props.initial);
  return (
    <ModelNameField
      value={name}
      nextVersion={props.nextVersion}
      onChange={value => {
        setName(value);
        props.onChange(value);
      }}
      trans={props.trans}
    />
  );
}

/** Ask the variable a model is loaded into. */
export class LoadDialogBody
  extends ReactWidget
  implements Dialog.IBodyWidget<string>
{
  constructor(
    initial: string,
    private _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-Models-form');
    this._variable = initial;
  }

  getValue(): string {
    return this._variable;
  }

  protected render(): JSX.Element {
    return (
      <VariableField
        initial={this._variable}
        onChange={value => (this._variable = value)}
        trans={this._trans}
      />
    );
  }

  private _variable: string;
}

function VariableField(props: {
  initial: string;
  onChange: (value: string) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  const [value, setValue] = React.useState(props.initial);
  const problem = validateVariableName(value);
  const error = problem ? variableNameMessage(problem, value, trans) : null;
  return (
    <div className="jp-Models-fields">
      <label>
        {trans.__('Variable')}
        <input
          className="jp-mod-styled"
          aria-label={trans.__('Variable')}
          aria-invalid={error !== null}
          value={value}
          onChange={event => {
            setValue(event.target.value);
            props.onChange(event.target.value);
          }}
        />
      </label>
      {error && (
        <p className="jp-Models-fieldError" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
