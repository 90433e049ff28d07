/** The stored models: search, sort, and one row each (badge, name, versions, size, date). */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { humanSize, utcDate } from '../format';
import { libraryIcon } from '../icons';
import { IListState, SORT_KEYS, SortKey } from '../model';
import { IModelInfo } from '../protocol';

interface IProps {
  models: readonly IModelInfo[];
  total: number;
  selected: string | null;
  listState: IListState;
  onListState: (state: Partial<IListState>) => void;
  onSelect: (name: string) => void;
  onMove: (step: 1 | -1) => void;
  onDelete: () => void;
  trans: TranslationBundle;
}

export function ModelList(props: IProps): JSX.Element {
  const { models, selected, trans } = props;
  if (props.total === 0) {
    return (
      <p className="jp-Models-empty">
        {trans.__(
          'No models in this store yet. Train a model in the notebook, then use "Save model".'
        )}
      </p>
    );
  }
  const sortLabels: Record<SortKey, string> = {
    name: trans.__('Name'),
    date: trans.__('Date'),
    size: trans.__('Size')
  };
  const onKeyDown = (event: React.KeyboardEvent) => {
    const actions: Record<string, () => void> = {
      ArrowDown: () => props.onMove(1),
      ArrowUp: () => props.onMove(-1),
      Delete: props.onDelete
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  };
  return (
    <>
      <div className="jp-Models-listControls">
        <input
          type="search"
          className="jp-mod-styled jp-Models-search"
          placeholder={trans.__('Search models')}
          aria-label={trans.__('Search models')}
          value={props.listState.query}
          onChange={event => props.onListState({ query: event.target.value })}
        />
        <select
          className="jp-mod-styled"
          aria-label={trans.__('Sort by')}
          value={props.listState.sort}
          onChange={event =>
            props.onListState({ sort: event.target.value as SortKey })
          }
        >
          {SORT_KEYS.map(key => (
            <option key={key} value={key}>
              {sortLabels[key]}
            </option>
          ))}
        </select>
      </div>
      {models.length === 0 ? (
        <p className="jp-Models-empty">
          {trans.__('No model matches "%1".', props.listState.query)}
        </p>
      ) : (
        <ul
          className="jp-Models-list"
          role="listbox"
          aria-label={trans.__('Models')}
          onKeyDown={onKeyDown}
        >
          {models.map((m, index) => (
            <ModelRow
              key={m.name}
              model={m}
              selected={m.name === selected}
              focusable={
                m.name === selected || (selected === null && index === 0)
              }
              onSelect={props.onSelect}
              trans={trans}
            />
          ))}
        </ul>
      )}
    </>
  );
}

function ModelRow(props: {
  model: IModelInfo;
  selected: boolean;
  /** The one row reached by Tab (roving tabindex). */
  focusable: boolean;
  onSelect: (name: string) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { model: m, selected, trans } = props;
  const ref = React.useRef<HTMLLIElement>(null);
  React.useEffect(() => {
    // Keyboard selection moves the focus along, so arrows keep working.
    if (
      selected &&
      ref.current &&
      ref.current.parentElement?.contains(document.activeElement)
    ) {
      ref.current.focus();
    }
  }, [selected]);
  const Icon = libraryIcon(m.library).react;
  return (
    <li
      ref={ref}
      role="option"
      aria-label={m.name}
      aria-selected={selected}
      tabIndex={props.focusable ? 0 : -1}
      data-name={m.name}
      className={'jp-Models-item' + (selected ? ' jp-mod-selected' : '')}
      onClick={() => props.onSelect(m.name)}
      onContextMenu={() => props.onSelect(m.name)}
      onKeyDown={event => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          props.onSelect(m.name);
        }
      }}
    >
      <span className="jp-Models-itemIcon" title={m.library}>
        <Icon tag="span" />
      </span>
      <span className="jp-Models-itemName" title={m.name}>
        {m.name}
      </span>
      <span
        className="jp-Models-itemVersion"
        title={trans.__('Latest version')}
      >
        v{m.version}
      </span>
      <span className="jp-Models-itemMeta">
        <span className="jp-Models-itemLibrary">{m.library}</span>
        <span
          className="jp-Models-itemSize"
          title={trans.__('%1 bytes', m.size_bytes)}
        >
          {humanSize(m.size_bytes)}
        </span>
        <span className="jp-Models-itemDate" title={utcDate(m.created_at)}>
          {new Date(m.created_at).toLocaleString()}
        </span>
      </span>
    </li>
  );
}
