/** Every manifest field of the selected model, with Load and Delete. */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { utcDate } from '../format';
import { IModelInfo } from '../protocol';

interface IProps {
  model: IModelInfo;
  busy: boolean;
  onLoad: () => void;
  onDelete: () => void;
  trans: TranslationBundle;
}

export function ModelDetails({
  model,
  busy,
  onLoad,
  onDelete,
  trans
}: IProps): JSX.Element {
  const versions = Object.entries(model.library_versions)
    .map(([pkg, version]) => `${pkg} ${version}`)
    .join(', ');
  const rows: [string, string, string][] = [
    ['name', trans.__('Name'), model.name],
    ['version', trans.__('Version'), String(model.version)],
    ['description', trans.__('Description'), model.description || '—'],
    ['library', trans.__('Library'), model.library],
    ['class', trans.__('Class'), model.type],
    ['format', trans.__('Format'), model.format],
    ['size', trans.__('Size'), trans.__('%1 bytes', model.size_bytes)],
    ['notebook', trans.__('Notebook'), model.notebook ?? '—'],
    ['variable', trans.__('Variable'), model.variable ?? '—'],
    ['user', trans.__('User'), model.user],
    ['created', trans.__('Created'), utcDate(model.created_at)],
    ['libraries', trans.__('Library versions'), versions || '—'],
    ['python', trans.__('Python'), model.python_version]
  ];
  return (
    <section
      className="jp-Models-details"
      aria-label={trans.__('Details of %1', model.name)}
    >
      <dl>
        {rows.map(([key, label, value]) => (
          <React.Fragment key={key}>
            <dt>{label}</dt>
            <dd data-field={key}>{value}</dd>
          </React.Fragment>
        ))}
      </dl>
      <h3>{trans.__('Files')}</h3>
      <ul className="jp-Models-files">
        {model.files.map(f => (
          <li key={f.path} data-file={f.path}>
            <span className="jp-Models-filePath">{f.path}</span>{' '}
            <span className="jp-Models-fileSize">
              {trans.__('%1 bytes', f.size)}
            </span>
            <code className="jp-Models-sha" title="sha256">
              {f.sha256}
            </code>
          </li>
        ))}
      </ul>
      <div className="jp-Models-toolbar">
        <button
          className="jp-Button jp-mod-styled jp-mod-accept"
          aria-label={trans.__('Load')}
          disabled={busy}
          onClick={onLoad}
        >
          {trans.__('Load')}
        </button>
        <button
          className="jp-Button jp-mod-styled jp-mod-warn"
          aria-label={trans.__('Delete')}
          disabled={busy}
          onClick={onDelete}
        >
          {trans.__('Delete')}
        </button>
      </div>
    </section>
  );
}
