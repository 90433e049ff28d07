/**
 * A compact summary of the selected model version in the sidebar (the model card has it all),
 * its versions and its actions. Until the whole manifest has come (`versions`), the list's
 * summary: the signature waits.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandToolbarButtonComponent } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { CommandIDs } from '../tokens';
import { signatureOf, signatureSummary } from './signature';
import { displayDate, shortClass, versionWarnings } from '../format';
import { IModelInfo, IModelSummary, isWholeManifest } from '../protocol';

interface IProps {
  model: IModelSummary | IModelInfo;
  /** Library versions installed in the kernel, to warn about mismatches. */
  kernelVersions: Readonly<Record<string, string>>;
  versions: readonly IModelInfo[];
  onVersion: (version: number | null) => void;
  /** Its actions are commands: their enabled state comes from the commands. */
  commands: CommandRegistry;
  trans: TranslationBundle;
  /** The JupyterLab language, for dates. */
  locale?: string;
}

/** The actions of the selected model, as buttons. */
const ACTIONS = [
  CommandIDs.openCard,
  CommandIDs.load,
  CommandIDs.copyLoadCode,
  CommandIDs.deleteModel
];

export function ModelDetails(props: IProps): JSX.Element {
  const { model, versions, trans } = props;
  const whole = isWholeManifest(model) ? model : null;
  const rows: [string, string, string][] = [
    ['name', trans.__('Name'), model.name],
    ['version', trans.__('Version'), String(model.version)],
    ['description', trans.__('Description'), model.description || '—'],
    ['library', trans.__('Library'), model.library],
    ['class', trans.__('Class'), shortClass(model.type)],
    ['format', trans.__('Format'), model.format],
    ['size', trans.__('Size'), trans.__('%1 bytes', model.size_bytes)],
    ['notebook', trans.__('Notebook'), model.notebook ?? '—'],
    ['variable', trans.__('Variable'), model.variable ?? '—'],
    ['user', trans.__('User'), model.user],
    [
      'created',
      trans.__('Created'),
      displayDate(model.created_at, props.locale)
    ],
    [
      'signature',
      trans.__('Signature'),
      whole ? signatureSummary(signatureOf(whole), trans) : '…'
    ]
  ];
  const untrusted = whole?.extra['untrusted'];
  const mismatches = whole
    ? versionWarnings(whole.library_versions, props.kernelVersions)
    : [];
  return (
    <section
      className="jp-Models-details"
      aria-label={trans.__('Details of %1', model.name)}
      aria-busy={!whole}
    >
      {versions.length > 1 && (
        <label className="jp-Models-versionPicker">
          {trans.__('Version')}
          <select
            className="jp-mod-styled"
            aria-label={trans.__('Version shown')}
            value={model.version}
            onChange={event => props.onVersion(Number(event.target.value))}
          >
            {[...versions].reverse().map(v => (
              <option key={v.version} value={v.version}>
                {trans.__(
                  '%1 — %2',
                  v.version,
                  displayDate(v.created_at, props.locale)
                )}
              </option>
            ))}
          </select>
        </label>
      )}
      <dl>
        {rows.map(([key, label, value]) => (
          <React.Fragment key={key}>
            <dt>{label}</dt>
            <dd data-field={key} title={key === 'class' ? model.type : value}>
              {value}
            </dd>
          </React.Fragment>
        ))}
      </dl>
      {Array.isArray(untrusted) && untrusted.length > 0 && (
        <p className="jp-Models-warning" role="note">
          {trans.__(
            'Loading asks you to trust these types: %1',
            untrusted.join(', ')
          )}
        </p>
      )}
      {mismatches.map(w => (
        <p key={w.library} className="jp-Models-warning" role="note">
          {w.installed === null
            ? trans.__(
                'Saved with %1 %2, which this kernel does not have: loading needs it.',
                w.library,
                w.saved
              )
            : trans.__(
                'Saved with %1 %2; this kernel has %3: it may not load or predict the same.',
                w.library,
                w.saved,
                w.installed
              )}
        </p>
      ))}
      <div className="jp-Models-actions">
        {ACTIONS.map(id => (
          <CommandToolbarButtonComponent
            key={id}
            commands={props.commands}
            id={id}
            args={{ toolbar: true }}
          />
        ))}
      </div>
    </section>
  );
}
