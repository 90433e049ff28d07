/**
 * The stored models as the panel lists them: the models, their version counts, the entries
 * left out, the search and sort, the selection and the versions of the selected model.
 */
import { ISignal, Signal } from '@lumino/signaling';
import {
  IListResult,
  IModelInfo,
  IModelSummary,
  ISkippedEntry
} from '../protocol';

/** How the model list is ordered. */
export type SortKey = 'name' | 'date' | 'size';

export const SORT_KEYS: readonly SortKey[] = ['name', 'date', 'size'];

/** The list's view state, kept across reloads. */
export interface IListState {
  readonly query: string;
  readonly sort: SortKey;
}

export interface IStoreListModel {
  /** The models, counts or skipped entries changed (a new listing). */
  readonly changed: ISignal<IStoreListModel, void>;
  /** The search or the sort changed (kept across reloads). */
  readonly listStateChanged: ISignal<IStoreListModel, IListState>;
  /** Another model or version is selected, or the versions came. */
  readonly selectionChanged: ISignal<IStoreListModel, void>;
  /** Whether a listing came since the last (re)binding. */
  readonly loaded: boolean;
  readonly models: readonly IModelSummary[];
  /** Entries of the store the last listing left out, each with the reason. */
  readonly skipped: readonly ISkippedEntry[];
  /** The models the list shows: matching the search, in the chosen order. */
  readonly visibleModels: readonly IModelSummary[];
  readonly listState: IListState;
  readonly selectedName: string | null;
  /**
   * The version the details show: the chosen one, else the latest. The whole manifest once
   * the versions came; until then the latest version's summary from the list.
   */
  readonly selected: IModelSummary | IModelInfo | null;
  /** Every version of the selected model, oldest first (empty until fetched). */
  readonly selectedVersions: readonly IModelInfo[];
  versionCount(name: string): number;
  /** The version a save under `name` would get (1 for a new name). */
  nextVersion(name: string): number;
  select(name: string | null): void;
  selectVersion(version: number | null): void;
  moveSelection(step: 1 | -1): void;
  setListState(state: Partial<IListState>): void;
}

export class StoreListModel implements IStoreListModel {
  constructor(
    /** Fetches the versions of a model (null: not connected). */
    private _fetchVersions: (name: string) => Promise<IModelInfo[]> | null
  ) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get listStateChanged(): ISignal<this, IListState> {
    return this._listStateChanged;
  }
  get selectionChanged(): ISignal<this, void> {
    return this._selectionChanged;
  }
  get loaded(): boolean {
    return this._loaded;
  }
  get models(): readonly IModelSummary[] {
    return this._models;
  }
  get skipped(): readonly ISkippedEntry[] {
    return this._skipped;
  }
  get visibleModels(): readonly IModelSummary[] {
    return filterAndSort(this._models, this._listState);
  }
  get listState(): IListState {
    return this._listState;
  }
  get selectedName(): string | null {
    return this._selectedName;
  }
  get selected(): IModelSummary | IModelInfo | null {
    const latest = this._models.find(m => m.name === this._selectedName);
    if (!latest) {
      return null;
    }
    const wanted = this._selectedVersion ?? latest.version;
    return this._selectedVersions.find(v => v.version === wanted) ?? latest;
  }
  get selectedVersions(): readonly IModelInfo[] {
    return this._selectedVersions;
  }

  versionCount(name: string): number {
    return this._versionCounts[name] ?? 0;
  }

  nextVersion(name: string): number {
    const latest = this._models.find(m => m.name === name);
    return latest ? latest.version + 1 : 1;
  }

  /** Take a new listing; the selection stays if its model is still there. */
  setListing(list: IListResult): void {
    this._models = list.models;
    this._versionCounts = list.version_counts;
    this._skipped = list.skipped ?? [];
    this._loaded = true;
    this._changed.emit();
    if (this._selectedName !== null && !this._has(this._selectedName)) {
      this.select(null);
    } else if (this._selectedName !== null) {
      // Versions may have come or gone: fetch them again.
      this._loadVersions(this._selectedName);
    }
  }

  /** Show a model (its latest version) and fetch its versions. */
  select(name: string | null): void {
    if (name !== this._selectedName) {
      this._selectedVersions = [];
      this._selectedVersion = null;
    }
    this._selectedName = name;
    this._selectionChanged.emit();
    if (name !== null) {
      this._loadVersions(name);
    }
  }

  /** Select a model that a listing is about to show (a model just saved). */
  expect(name: string): void {
    this._selectedName = name;
    this._selectedVersions = [];
    this._selectedVersion = null;
  }

  selectVersion(version: number | null): void {
    this._selectedVersion = version;
    this._selectionChanged.emit();
  }

  moveSelection(step: 1 | -1): void {
    const visible = this.visibleModels;
    if (visible.length === 0) {
      return;
    }
    const index = visible.findIndex(m => m.name === this._selectedName);
    const next =
      index < 0
        ? step > 0
          ? 0
          : visible.length - 1
        : Math.min(visible.length - 1, Math.max(0, index + step));
    this.select(visible[next].name);
  }

  setListState(state: Partial<IListState>): void {
    this._listState = { ...this._listState, ...state };
    this._listStateChanged.emit(this._listState);
  }

  /** Forget the listing (another notebook or kernel, maybe another store). */
  clear(): void {
    this._models = [];
    this._versionCounts = {};
    this._skipped = [];
    this._loaded = false;
    this._selectedName = null;
    this._selectedVersions = [];
    this._selectedVersion = null;
    this._changed.emit();
    this._selectionChanged.emit();
  }

  dispose(): void {
    Signal.clearData(this);
  }

  private _has(name: string): boolean {
    return this._models.some(m => m.name === name);
  }

  private _loadVersions(name: string): void {
    const fetching = this._fetchVersions(name);
    if (!fetching) {
      return;
    }
    void fetching.then(
      versions => {
        if (this._selectedName === name) {
          this._selectedVersions = versions;
          this._selectionChanged.emit();
        }
      },
      () => undefined // the fetcher keeps the failure; the details show the summary
    );
  }

  private _changed = new Signal<this, void>(this);
  private _listState: IListState = { query: '', sort: 'name' };
  private _listStateChanged = new Signal<this, IListState>(this);
  private _loaded = false;
  private _models: IModelSummary[] = [];
  private _selectedName: string | null = null;
  private _selectedVersion: number | null = null;
  private _selectedVersions: IModelInfo[] = [];
  private _selectionChanged = new Signal<this, void>(this);
  private _skipped: ISkippedEntry[] = [];
  private _versionCounts: Record<string, number> = {};
}

/**
 * The models whose name, description or library contains the query (case-insensitive),
 * ordered by name (A→Z), date (newest first) or size (largest first).
 */
export function filterAndSort(
  models: readonly IModelSummary[],
  state: IListState
): IModelSummary[] {
  const query = state.query.trim().toLowerCase();
  const matching = query
    ? models.filter(m =>
        [m.name, m.description, m.library].some(text =>
          text.toLowerCase().includes(query)
        )
      )
    : [...models];
  const byName = (a: IModelSummary, b: IModelSummary) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  const order = {
    name: byName,
    date: (a: IModelSummary, b: IModelSummary) =>
      b.created_at.localeCompare(a.created_at) || byName(a, b),
    size: (a: IModelSummary, b: IModelSummary) =>
      b.size_bytes - a.size_bytes || byName(a, b)
  }[state.sort];
  return matching.sort(order);
}
