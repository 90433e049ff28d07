/** The stored models: search, sort, and one row each (badge, name, versions, size, date). */
import { TranslationBundle } from '@jupyterlab/translation';
import { FilterBox, HTMLSelect, UseSignal } from '@jupyterlab/ui-components';
import { ISignal } from '@lumino/signaling';
import * as React from 'react';
import { displayDate, humanSize, utcDate } from '../format';
import { libraryIcon } from '../icons';
import { IPendingOperation } from '../models/operation';
import { IListState, SORT_KEYS, SortKey } from '../models/storeList';
import { IModelSummary } from '../protocol';

interface IProps {
  models: readonly IModelSummary[];
  versionCount: (name: string) => number;
  total: number;
  selected: string | null;
  listState: IListState;
  onListState: (state: Partial<IListState>) => void;
  onSelect: (name: string) => void;
  /** Open the model's card (double-click, Enter). */
  onOpen: (name: string) => void;
  onMove: (step: 1 | -1) => void;
  onDelete: () => void;
  /** A save or load that has run for a while: its row shows the progress. */
  progress: IPendingOperation | null;
  /** Emitted as the operation under way progresses (only the bar re-renders). */
  progressed: ISignal<unknown, IPendingOperation>;
  trans: TranslationBundle;
  /** The JupyterLab language, for dates. */
  locale?: string;
}

export function ModelList(props: IProps): JSX.Element {
  const { models, selected, progress, trans } = props;
  // A save under a new name (or a row the search hides) gets a row of its own meanwhile.
  const progressRow = progress &&
    !models.some(m => m.name === progress.target) && (
      <div className="jp-Models-item jp-Models-pendingItem">
        <span className="jp-Models-itemName" title={progress.target}>
          {progress.target}
        </span>
        <RowProgress
          operation={progress}
          progressed={props.progressed}
          trans={trans}
        />
      </div>
    );
  if (props.total === 0) {
    return (
      <>
        {progressRow}
        <p className="jp-Models-empty">
          {trans.__(
            'No models in this store yet. Train a model in the notebook, then use "Save model".'
          )}
        </p>
      </>
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
      // Enter opens the card of the selected row (the first one if none is).
      Enter: () => props.onOpen(selected ?? models[0].name),
      Delete: () => selected !== null && props.onDelete()
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
        <div className="jp-Models-search">
          <FilterBox
            placeholder={trans.__('Search models')}
            initialQuery={props.listState.query}
            useFuzzyFilter={false}
            updateFilter={(_, query) => {
              if ((query ?? '') !== props.listState.query) {
                props.onListState({ query: query ?? '' });
              }
            }}
          />
        </div>
        <span className="jp-Models-sortLabel" aria-hidden="true">
          {trans.__('Sort by')}
        </span>
        <HTMLSelect
          className="jp-Models-sort"
          aria-label={trans.__('Sort by')}
          title={trans.__('Sort by')}
          value={props.listState.sort}
          options={SORT_KEYS.map(key => ({
            value: key,
            label: sortLabels[key]
          }))}
          onChange={event =>
            props.onListState({ sort: event.target.value as SortKey })
          }
        />
      </div>
      {progressRow}
      {models.length === 0 ? (
        <p className="jp-Models-empty">
          {trans.__('No model matches "%1".', props.listState.query)}
        </p>
      ) : (
        <VirtualRows {...props} onKeyDown={onKeyDown} />
      )}
    </>
  );
}

/** Pixel height of a row: fixed, so that only the rows in view are rendered. */
const ROW_HEIGHT = 44;
/** Rows rendered above and below the visible ones, for smooth scrolling. */
const OVERSCAN = 10;

/**
 * A listbox that renders only the rows in view (a store may hold thousands of models).
 * The focus stays on the listbox; `aria-activedescendant` names the selected row.
 */
function VirtualRows(
  props: IProps & { onKeyDown: (event: React.KeyboardEvent) => void }
): JSX.Element {
  const { models, selected, trans } = props;
  const scroller = React.useRef<HTMLDivElement>(null);
  const [view, setView] = React.useState({ top: 0, height: 400 });
  const selectedIndex = models.findIndex(m => m.name === selected);

  React.useEffect(() => {
    const node = scroller.current;
    if (!node) {
      return;
    }
    const observer = new ResizeObserver(() =>
      setView(v => ({ ...v, height: node.clientHeight }))
    );
    observer.observe(node);
    return () => observer.disconnect();
  }, []);

  // Keep the selected row in view as the keyboard moves the selection.
  React.useEffect(() => {
    const node = scroller.current;
    if (!node || selectedIndex < 0) {
      return;
    }
    const top = selectedIndex * ROW_HEIGHT;
    if (top < node.scrollTop) {
      node.scrollTop = top;
    } else if (top + ROW_HEIGHT > node.scrollTop + node.clientHeight) {
      node.scrollTop = top + ROW_HEIGHT - node.clientHeight;
    }
  }, [selectedIndex]);

  const first = Math.max(0, Math.floor(view.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(
    models.length,
    Math.ceil((view.top + view.height) / ROW_HEIGHT) + OVERSCAN
  );
  return (
    <div
      className="jp-Models-listScroller"
      ref={scroller}
      onScroll={event => {
        // Read now: React runs the updater later, when currentTarget is null again.
        const top = event.currentTarget.scrollTop;
        setView(v => ({ ...v, top }));
      }}
    >
      <ul
        className="jp-Models-list"
        role="listbox"
        aria-label={trans.__('Models')}
        tabIndex={0}
        aria-activedescendant={
          selectedIndex >= 0 ? rowId(selectedIndex) : undefined
        }
        style={{ height: models.length * ROW_HEIGHT }}
        onKeyDown={props.onKeyDown}
      >
        {models.slice(first, last).map((m, k) => (
          <ModelRow
            key={m.name}
            index={first + k}
            count={models.length}
            versionCount={props.versionCount(m.name)}
            model={m}
            selected={m.name === selected}
            progress={props.progress?.target === m.name ? props.progress : null}
            progressed={props.progressed}
            onSelect={props.onSelect}
            onOpen={props.onOpen}
            trans={trans}
            locale={props.locale}
          />
        ))}
      </ul>
    </div>
  );
}

function rowId(index: number): string {
  return `jp-Models-row-${index}`;
}

function ModelRow(props: {
  index: number;
  count: number;
  versionCount: number;
  model: IModelSummary;
  selected: boolean;
  progress: IPendingOperation | null;
  progressed: ISignal<unknown, IPendingOperation>;
  onSelect: (name: string) => void;
  onOpen: (name: string) => void;
  trans: TranslationBundle;
  locale?: string;
}): JSX.Element {
  const { model: m, selected, trans } = props;
  const Icon = libraryIcon(m.library).react;
  return (
    <li
      id={rowId(props.index)}
      role="option"
      aria-label={m.name}
      aria-selected={selected}
      aria-posinset={props.index + 1}
      aria-setsize={props.count}
      data-name={m.name}
      className={'jp-Models-item' + (selected ? ' jp-mod-selected' : '')}
      style={{ top: props.index * ROW_HEIGHT, height: ROW_HEIGHT }}
      onClick={() => props.onSelect(m.name)}
      onDoubleClick={() => props.onOpen(m.name)}
      onContextMenu={() => props.onSelect(m.name)}
    >
      <span className="jp-Models-itemIcon" title={m.library}>
        <Icon tag="span" />
      </span>
      <span className="jp-Models-itemName" title={m.name}>
        {m.name}
      </span>
      <span
        className="jp-Models-itemVersion"
        title={trans._n(
          'Latest version %2, %1 version in all',
          'Latest version %2, %1 versions in all',
          props.versionCount,
          m.version
        )}
      >
        {trans._n('%1 version', '%1 versions', props.versionCount)}
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
          {displayDate(m.created_at, props.locale)}
        </span>
      </span>
      {props.progress && (
        <RowProgress
          operation={props.progress}
          progressed={props.progressed}
          trans={trans}
        />
      )}
    </li>
  );
}

/**
 * A thin bar at the bottom of a row: the bytes done of a save or load, or a moving bar
 * while the kernel has not said how much there is.
 */
function RowProgress(props: {
  operation: IPendingOperation;
  progressed: ISignal<unknown, IPendingOperation>;
  trans: TranslationBundle;
}): JSX.Element {
  return (
    <UseSignal signal={props.progressed} initialArgs={props.operation}>
      {(_, op) => (
        <ProgressBar operation={op ?? props.operation} trans={props.trans} />
      )}
    </UseSignal>
  );
}

function ProgressBar(props: {
  operation: IPendingOperation;
  trans: TranslationBundle;
}): JSX.Element {
  const { operation: op, trans } = props;
  const known = op.total > 0;
  const percent = known ? Math.round((100 * op.done) / op.total) : 0;
  const label =
    op.kind === 'load'
      ? trans.__('Loading %1', op.target)
      : trans.__('Saving %1', op.target);
  return (
    <div
      className={
        'jp-Models-rowProgress' + (known ? '' : ' jp-mod-indeterminate')
      }
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={known ? percent : undefined}
      aria-valuetext={
        known
          ? trans.__(
              '%1 of %2 (%3%)',
              humanSize(op.done),
              humanSize(op.total),
              percent
            )
          : trans.__('Working…')
      }
      title={label}
    >
      <div
        className="jp-Models-rowProgressBar"
        style={known ? { width: `${percent}%` } : undefined}
      />
    </div>
  );
}
