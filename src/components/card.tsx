/**
 * A model card, in the main area: every field of the version shown, its signature, its files,
 * and all versions as a table (show one, load it, delete it, or tick two to compare them side
 * by side). Its buttons are commands, enabled as the commands say.
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  CommandToolbarButtonComponent,
  ReactWidget
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { displayDate, humanSize } from '../format';
import { libraryIcon, modelsIcon } from '../icons';
import { errorMessage } from '../messages';
import { ModelCardModel } from '../models/card';
import { fileDigest, IModelInfo } from '../protocol';
import { CommandIDs } from '../tokens';
import { signatureOf, SignatureView } from './signature';
import { useSignals } from './useSignals';

interface ICardProps {
  card: ModelCardModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
  locale: string;
}

/** The card of one model, as a main-area tab. */
export function createCardWidget(
  props: ICardProps
): MainAreaWidget<ReactWidget> {
  const content = ReactWidget.create(<ModelCard {...props} />);
  content.addClass('jp-Models-card');
  const widget = new MainAreaWidget({ content });
  widget.id = cardId(props.card.name);
  widget.title.label = props.card.name;
  widget.title.caption = props.trans.__('Model card of %1', props.card.name);
  widget.title.icon = modelsIcon;
  widget.title.closable = true;
  widget.disposed.connect(() => props.card.dispose());
  return widget;
}

/** One tab per model name. */
export function cardId(name: string): string {
  return `jupyterlab-models-card-${encodeURIComponent(name)}`;
}

function ModelCard(props: ICardProps): JSX.Element {
  const { card, trans } = props;
  useSignals(card.changed);
  const current = card.current;
  if (!current) {
    return (
      <div className="jp-Models-cardBody">
        <h1>{card.name}</h1>
        <p className="jp-Models-message" role="status">
          {card.loading
            ? trans.__('Fetching the versions…')
            : card.error !== null
              ? errorMessage(card.error, trans)
              : trans.__('"%1" is not in the store.', card.name)}
        </p>
      </div>
    );
  }
  const Icon = libraryIcon(current.library).react;
  return (
    <div className="jp-Models-cardBody">
      <header className="jp-Models-cardHeader">
        <Icon tag="span" className="jp-Models-itemIcon" />
        <h1>{current.name}</h1>
        <span className="jp-Models-cardVersion">
          {trans.__('version %1', current.version)}
        </span>
      </header>
      {current.description && <p>{current.description}</p>}
      <div className="jp-Models-actions" role="toolbar">
        {[CommandIDs.load, CommandIDs.copyLoadCode].map(id => (
          <CommandToolbarButtonComponent
            key={id}
            commands={props.commands}
            id={id}
            args={{
              name: current.name,
              version: current.version,
              toolbar: true
            }}
          />
        ))}
      </div>
      <section aria-label={trans.__('Signature')}>
        <h2>{trans.__('Signature')}</h2>
        <SignatureView
          signature={signatureOf(current)}
          trans={trans}
          locale={props.locale}
        />
      </section>
      <section aria-label={trans.__('Versions')}>
        <h2>{trans.__('Versions')}</h2>
        <VersionTable {...props} />
        {card.compared.length === 2 && <Comparison {...props} />}
      </section>
      <section aria-label={trans.__('Fields')}>
        <h2>{trans.__('Fields')}</h2>
        <dl className="jp-Models-fieldList">
          {manifestRows(current, trans, props.locale).map(
            ([key, label, value]) => (
              <React.Fragment key={key}>
                <dt>{label}</dt>
                <dd data-field={key}>{value}</dd>
              </React.Fragment>
            )
          )}
        </dl>
      </section>
      <section aria-label={trans.__('Files')}>
        <h2>{trans.__('Files')}</h2>
        <FileTable info={current} trans={trans} />
      </section>
    </div>
  );
}

/** Every field of a manifest, labelled, in words (extra's own keys last). */
export function manifestRows(
  info: IModelInfo,
  trans: TranslationBundle,
  locale: string
): [string, string, string][] {
  const rows: [string, string, string][] = [
    ['name', trans.__('Name'), info.name],
    ['version', trans.__('Version'), String(info.version)],
    ['description', trans.__('Description'), info.description || '—'],
    ['library', trans.__('Library'), info.library],
    ['class', trans.__('Class'), info.type],
    ['format', trans.__('Format'), info.format],
    [
      'size',
      trans.__('Size'),
      trans.__('%1 (%2 bytes)', humanSize(info.size_bytes), info.size_bytes)
    ],
    ['created', trans.__('Created'), displayDate(info.created_at, locale)],
    ['user', trans.__('User'), info.user],
    ['notebook', trans.__('Notebook'), info.notebook ?? '—'],
    ['variable', trans.__('Variable'), info.variable ?? '—'],
    ['python', trans.__('Python'), info.python_version],
    [
      'libraries',
      trans.__('Library versions'),
      Object.entries(info.library_versions)
        .map(([pkg, version]) => `${pkg} ${version}`)
        .join(', ') || '—'
    ],
    ['schema', trans.__('Manifest schema'), String(info.schema_version)]
  ];
  for (const [key, value] of Object.entries(info.extra)) {
    if (key !== 'signature') {
      rows.push([`extra.${key}`, key, JSON.stringify(value)]);
    }
  }
  return rows;
}

function VersionTable(props: ICardProps): JSX.Element {
  const { card, trans, locale } = props;
  const shown = card.current?.version;
  return (
    <table className="jp-Models-table" aria-label={trans.__('Versions')}>
      <thead>
        <tr>
          <th>{trans.__('Compare')}</th>
          <th>{trans.__('Version')}</th>
          <th>{trans.__('Created')}</th>
          <th>{trans.__('Size')}</th>
          <th>{trans.__('Description')}</th>
          <th>{trans.__('Actions')}</th>
        </tr>
      </thead>
      <tbody>
        {[...card.versions].reverse().map(v => (
          <tr
            key={v.version}
            data-version={v.version}
            className={v.version === shown ? 'jp-mod-selected' : undefined}
          >
            <td>
              <input
                type="checkbox"
                aria-label={trans.__('Compare version %1', v.version)}
                checked={card.compared.includes(v.version)}
                onChange={() => card.toggleCompare(v.version)}
              />
            </td>
            <td>
              <button
                className="jp-Models-link"
                aria-label={trans.__('Show version %1', v.version)}
                onClick={() => card.pick(v.version)}
              >
                {v.version}
              </button>
            </td>
            <td className="jp-Models-nowrap">
              {displayDate(v.created_at, locale)}
            </td>
            <td className="jp-Models-nowrap">{humanSize(v.size_bytes)}</td>
            <td>{v.description || '—'}</td>
            <td className="jp-Models-nowrap">
              {[CommandIDs.load, CommandIDs.deleteModel].map(id => (
                <CommandToolbarButtonComponent
                  key={id}
                  commands={props.commands}
                  id={id}
                  args={{ name: v.name, version: v.version, toolbar: true }}
                />
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Two versions side by side; the fields that differ are marked. */
function Comparison(props: ICardProps): JSX.Element {
  const { card, trans, locale } = props;
  const [a, b] = [...card.compared]
    .sort((x, y) => x - y)
    .map(n => card.versions.find(v => v.version === n)!);
  const rowsA = manifestRows(a, trans, locale);
  const rowsB = new Map(
    manifestRows(b, trans, locale).map(([key, , value]) => [key, value])
  );
  const signature = (info: IModelInfo) =>
    JSON.stringify(signatureOf(info) ?? null);
  return (
    <table
      className="jp-Models-table jp-Models-comparison"
      aria-label={trans.__('Version %1 and version %2', a.version, b.version)}
    >
      <thead>
        <tr>
          <th>{trans.__('Field')}</th>
          <th>{trans.__('Version %1', a.version)}</th>
          <th>{trans.__('Version %1', b.version)}</th>
        </tr>
      </thead>
      <tbody>
        {rowsA.map(([key, label, value]) => {
          const other = rowsB.get(key) ?? '—';
          return (
            <tr
              key={key}
              className={value !== other ? 'jp-mod-different' : undefined}
            >
              <th scope="row">{label}</th>
              <td>{value}</td>
              <td>{other}</td>
            </tr>
          );
        })}
        <tr
          className={
            signature(a) !== signature(b) ? 'jp-mod-different' : undefined
          }
        >
          <th scope="row">{trans.__('Signature')}</th>
          <td>{signature(a)}</td>
          <td>{signature(b)}</td>
        </tr>
      </tbody>
    </table>
  );
}

function FileTable(props: {
  info: IModelInfo;
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  return (
    <table className="jp-Models-table" aria-label={trans.__('Files')}>
      <thead>
        <tr>
          <th>{trans.__('Path')}</th>
          <th>{trans.__('Size')}</th>
          <th>{trans.__('Digest')}</th>
        </tr>
      </thead>
      <tbody>
        {props.info.files.map(f => {
          const [algorithm, hex] = fileDigest(f);
          return (
            <tr key={f.path} data-file={f.path}>
              <td>{f.path}</td>
              <td
                className="jp-Models-nowrap"
                title={trans.__('%1 bytes', f.size)}
              >
                {humanSize(f.size)}
              </td>
              <td>
                <span className="jp-Models-digestAlgorithm">{algorithm}</span>{' '}
                <code className="jp-Models-sha">{hex}</code>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
