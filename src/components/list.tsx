/** The stored models, one row each: name, library, size, date. */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { humanSize, utcDate } from '../format';
import { IModelInfo } from '../protocol';

interface IProps {
  models: readonly IModelInfo[];
  selected: string | null;
  onSelect: (name: string) => void;
  trans: TranslationBundle;
}

export function ModelList({
  models,
  selected,
  onSelect,
  trans
}: IProps): JSX.Element {
  if (models.length === 0) {
    return (
      <p className="jp-Models-empty">
        {trans.__(
          'No models in this store yet. Train a model in the notebook, then use "Save model".'
        )}
      </p>
    );
  }
  return (
    <ul
      className="jp-Models-list"
      role="listbox"
      aria-label={trans.__('Models')}
    >
      {models.map(m => (
        <li
          key={m.name}
          role="option"
          aria-label={m.name}
          aria-selected={m.name === selected}
          tabIndex={0}
          className={
            'jp-Models-item' + (m.name === selected ? ' jp-mod-selected' : '')
          }
          onClick={() => onSelect(m.name)}
          onKeyDown={event => {
            if (event.key === 'Enter' || event.key === ' ') {
              event.preventDefault();
              onSelect(m.name);
            }
          }}
        >
          <span className="jp-Models-itemName">{m.name}</span>
          <span className="jp-Models-itemLibrary">{m.library}</span>
          <span
            className="jp-Models-itemSize"
            title={trans.__('%1 bytes', m.size_bytes)}
          >
            {humanSize(m.size_bytes)}
          </span>
          <span className="jp-Models-itemDate">{utcDate(m.created_at)}</span>
        </li>
      ))}
    </ul>
  );
}
