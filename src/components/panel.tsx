/**
 * The Models sidebar, built like JupyterLab's own (the debugger's): a SidePanel whose header
 * says which notebook and store it is bound to and how the connection is, and two sections
 * with toolbars: the stored models (search, sort, list, a summary of the selected one) and
 * the notebook's variables. Each part re-renders on the signal of what it shows.
 */
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import {
  CommandToolbarButton,
  PanelWithToolbar,
  ReactWidget,
  SidePanel,
  UseSignal
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { AccordionPanel, Widget } from '@lumino/widgets';
import * as React from 'react';
import { modelsIcon } from '../icons';
import { CommandIDs, IModelsModel } from '../tokens';
import { ModelDetails } from './details';
import { ModelList } from './list';
import { StatusBanner } from './status';
import { useSignals } from './useSignals';
import { VariableList } from './variables';

export const PANEL_ID = 'jupyterlab-models-panel';

export interface IModelsSidebarOptions {
  model: IModelsModel;
  commands: CommandRegistry;
  translator: ITranslator;
  /** The JupyterLab language, for dates. */
  locale: string;
}

export class ModelsSidebar extends SidePanel {
  constructor(options: IModelsSidebarOptions) {
    super({ translator: options.translator });
    const { model, commands, locale } = options;
    const trans = options.translator.load('jupyterlab_models');
    this.id = PANEL_ID;
    this.addClass('jp-Models-panel');
    this.title.icon = modelsIcon;
    this.title.caption = trans.__('Models');
    this.node.setAttribute('aria-label', trans.__('Models panel'));

    const title = new Widget({ node: document.createElement('h2') });
    title.node.textContent = trans.__('Models');
    title.addClass('jp-Models-title');
    this.header.addWidget(title);
    this.modelsSection = new ModelsSection(model, commands, trans, locale);
    this.variablesSection = new VariablesSection(model, commands, trans);
    this.addWidget(this.modelsSection);
    this.addWidget(this.variablesSection);
    // The models get most of the height; the variables are a short list.
    (this.content as AccordionPanel).setRelativeSizes([3, 1]);
  }

  readonly modelsSection: PanelWithToolbar;
  readonly variablesSection: PanelWithToolbar;
}

/** The buttons a section's toolbar has when no toolbar setting says otherwise. */
export function addDefaultButtons(
  section: PanelWithToolbar,
  commands: CommandRegistry,
  ids: readonly string[]
): void {
  for (const id of ids) {
    section.toolbar.addItem(
      id,
      new CommandToolbarButton({ commands, id, args: { toolbar: true } })
    );
  }
}

function Binding(props: {
  model: IModelsModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, trans } = props;
  const connection = model.connection;
  return (
    <div className="jp-Models-bindingArea">
      <UseSignal signal={connection.statusChanged}>
        {() => (
          <dl className="jp-Models-binding">
            <dt>{trans.__('Notebook')}</dt>
            <dd
              className="jp-Models-notebook"
              title={connection.notebook?.path}
            >
              {connection.notebook?.path ?? trans.__('none')}
            </dd>
            <dt>{trans.__('Store')}</dt>
            <dd className="jp-Models-store" title={connection.storeLocation}>
              {connection.storeLocation || '—'}
            </dd>
          </dl>
        )}
      </UseSignal>
      <StatusBanner
        connection={connection}
        operation={model.operation}
        trans={trans}
      />
    </div>
  );
}

class ModelsSection extends PanelWithToolbar {
  constructor(
    model: IModelsModel,
    commands: CommandRegistry,
    trans: TranslationBundle,
    locale: string
  ) {
    super();
    this.id = 'jupyterlab-models-store';
    this.addClass('jp-Models-section');
    this.title.label = trans.__('Models');
    this.toolbar.node.setAttribute('aria-label', trans.__('Models toolbar'));
    this.addWidget(ReactWidget.create(<Binding model={model} trans={trans} />));
    this.addWidget(
      ReactWidget.create(
        <StoreView
          model={model}
          commands={commands}
          trans={trans}
          locale={locale}
        />
      )
    );
  }
}

class VariablesSection extends PanelWithToolbar {
  constructor(
    model: IModelsModel,
    commands: CommandRegistry,
    trans: TranslationBundle
  ) {
    super();
    this.id = 'jupyterlab-models-variables';
    this.addClass('jp-Models-section');
    const label = () =>
      trans.__('Variables (%1)', model.variables.variables.length);
    this.title.label = label();
    model.variables.changed.connect(() => (this.title.label = label()));
    this.toolbar.node.setAttribute('aria-label', trans.__('Variables toolbar'));
    this.addWidget(
      ReactWidget.create(
        <UseSignal signal={model.stateChanged}>
          {() => (
            <UseSignal signal={model.variables.changed}>
              {() =>
                model.connection.status === 'ready' ? (
                  <VariableList
                    variables={model.variables.variables}
                    pending={model.variables.pending}
                    disabled={!commands.isEnabled(CommandIDs.save)}
                    onSave={variable =>
                      void commands.execute(CommandIDs.save, { variable })
                    }
                    trans={trans}
                  />
                ) : null
              }
            </UseSignal>
          )}
        </UseSignal>
      )
    );
  }
}

function StoreView(props: {
  model: IModelsModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
  locale: string;
}): JSX.Element | null {
  const { model, commands, trans, locale } = props;
  const { store, operation, connection } = model;
  // What the list shows; progress is not among it (the bars listen to it themselves).
  useSignals(
    connection.statusChanged,
    operation.changed,
    store.changed,
    store.listStateChanged,
    store.selectionChanged
  );
  if (connection.status !== 'ready') {
    return null;
  }
  const pending = operation.pending;
  return (
    <div className="jp-Models-body">
      {!store.loaded ? (
        <p className="jp-Models-message" role="status">
          {trans.__('Listing the store…')}
        </p>
      ) : (
        <ModelList
          models={store.visibleModels}
          versionCount={name => store.versionCount(name)}
          total={store.models.length}
          selected={store.selectedName}
          listState={store.listState}
          onListState={state => store.setListState(state)}
          onSelect={name => store.select(name)}
          onOpen={name => {
            store.select(name);
            void commands.execute(CommandIDs.openCard, { name });
          }}
          onMove={step => store.moveSelection(step)}
          onDelete={() => void commands.execute(CommandIDs.deleteModel)}
          locale={locale}
          progress={
            pending?.slow &&
            (pending.kind === 'save' || pending.kind === 'load')
              ? pending
              : null
          }
          progressed={operation.progressed}
          trans={trans}
        />
      )}
      {store.skipped.length > 0 && <Skipped model={model} trans={trans} />}
      {store.selected && (
        <ModelDetails
          model={store.selected}
          kernelVersions={connection.kernelLibraryVersions}
          versions={store.selectedVersions}
          onVersion={version => store.selectVersion(version)}
          commands={commands}
          trans={trans}
          locale={locale}
        />
      )}
    </div>
  );
}

function Skipped(props: {
  model: IModelsModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  const skipped = props.model.store.skipped;
  return (
    <p
      className="jp-Models-skipped"
      role="status"
      title={skipped
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
        skipped.length
      )}
    </p>
  );
}
