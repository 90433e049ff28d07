/** The Models sidebar: binding, status, actions, model list and details. */
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { modelsIcon } from '../icons';
import { ModelsModel } from '../model';
import { CommandIDs } from '../tokens';
import { ModelDetails } from './details';
import { ModelList } from './list';
import { StatusBanner } from './status';
import { VariableList } from './variables';

export class ModelsPanel extends ReactWidget {
  constructor(
    readonly model: ModelsModel,
    private _commands: CommandRegistry,
    private _trans: TranslationBundle,
    private _locale = 'en'
  ) {
    super();
    this.id = 'jupyterlab-models-panel';
    this.addClass('jp-Models-panel');
    this.title.icon = modelsIcon;
    this.title.caption = _trans.__('Models');
    this.node.setAttribute('aria-label', _trans.__('Models panel'));
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => (
          <PanelView
            model={this.model}
            commands={this._commands}
            trans={this._trans}
            locale={this._locale}
          />
        )}
      </UseSignal>
    );
  }
}

interface IViewProps {
  model: ModelsModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
  locale: string;
}

function PanelView({
  model,
  commands,
  trans,
  locale
}: IViewProps): JSX.Element {
  const ready = model.status === 'ready';
  const busy = model.pending !== null;
  const run = (id: string) => () => void commands.execute(id);
  return (
    <div className="jp-Models-body">
      <header className="jp-Models-header">
        <h2 className="jp-Models-title">{trans.__('Models')}</h2>
        <dl className="jp-Models-binding">
          <dt>{trans.__('Notebook')}</dt>
          <dd className="jp-Models-notebook" title={model.notebook?.path}>
            {model.notebook?.path ?? trans.__('none')}
          </dd>
          <dt>{trans.__('Store')}</dt>
          <dd className="jp-Models-store" title={model.storeLocation}>
            {model.storeLocation || '—'}
          </dd>
        </dl>
      </header>
      <StatusBanner model={model} trans={trans} />
      <div className="jp-Models-toolbar">
        <button
          className="jp-Button jp-mod-styled jp-mod-accept"
          aria-label={trans.__('Save model')}
          disabled={!ready || busy}
          onClick={run(CommandIDs.save)}
        >
          {trans.__('Save model')}
        </button>
        <button
          className="jp-Button jp-mod-styled"
          aria-label={trans.__('Refresh')}
          disabled={!model.notebook || busy}
          onClick={run(CommandIDs.refresh)}
        >
          {trans.__('Refresh')}
        </button>
      </div>
      {ready && (
        <ModelList
          models={model.visibleModels}
          versionCount={name => model.versionCount(name)}
          total={model.models.length}
          selected={model.selected?.name ?? null}
          listState={model.listState}
          onListState={state => model.setListState(state)}
          onSelect={name => model.select(name)}
          onMove={step => model.moveSelection(step)}
          onDelete={run(CommandIDs.deleteModel)}
          locale={locale}
          progress={
            model.pending?.slow &&
            (model.pending.kind === 'save' || model.pending.kind === 'load')
              ? model.pending
              : null
          }
          trans={trans}
        />
      )}
      {ready && model.skipped.length > 0 && (
        <p
          className="jp-Models-skipped"
          role="status"
          title={model.skipped
            .map(s =>
              s.version === null
                ? trans.__('%1: %2', s.name, s.reason)
                : trans.__('%1 version %2: %3', s.name, s.version, s.reason)
            )
            .join('\n')}
        >
          {trans._n(
            '%1 entry of the store could not be read and is not listed',
            '%1 entries of the store could not be read and are not listed',
            model.skipped.length
          )}
        </p>
      )}
      {ready && model.selected && (
        <ModelDetails
          model={model.selected}
          kernelVersions={model.kernelLibraryVersions}
          versions={model.selectedVersions}
          busy={busy}
          onVersion={version => model.selectVersion(version)}
          onLoad={run(CommandIDs.load)}
          onCopyCode={run(CommandIDs.copyLoadCode)}
          onDelete={run(CommandIDs.deleteModel)}
          trans={trans}
          locale={locale}
        />
      )}
      {ready && (
        <VariableList
          variables={model.variables}
          pending={model.variablesPending}
          disabled={busy}
          onSave={variable =>
            void commands.execute(CommandIDs.save, { variable })
          }
          trans={trans}
        />
      )}
    </div>
  );
}
