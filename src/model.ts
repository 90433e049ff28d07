/**
 * ModelsModel: what the Models panel shows and the operations it runs, bound to one notebook
 * at a time. Owns the KernelBridge of that notebook's kernel; knows nothing of React.
 */
import { ISessionContext } from '@jupyterlab/apputils';
import { Kernel } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';
import {
  BridgeError,
  BridgeSetupError,
  commsOverSubshell,
  KernelBridge
} from './bridge';
import {
  IListResult,
  ISkippedEntry,
  ILoadResult,
  IModelInfo,
  IModelSummary,
  IVariableInfo
} from './protocol';

/** The notebook the panel is bound to. */
export interface INotebookBinding {
  /** Server-relative path of the notebook (read each time: it may be renamed). */
  readonly path: string;
  readonly sessionContext: ISessionContext;
}

export type ConnectionStatus =
  | 'no-notebook'
  | 'no-kernel'
  | 'connecting'
  | 'waiting'
  | 'kernel-dead'
  | 'ready'
  | 'not-python'
  | 'missing-package'
  | 'error';

/** An operation under way, shown as busy state and progress. */
export interface IPendingOperation {
  kind: 'save' | 'load' | 'delete' | 'refresh';
  /** Model (or variable) it is about. */
  target: string;
  done: number;
  total: number;
  /** Whether it has run for SLOW_OPERATION_MS: its row then shows its progress. */
  slow: boolean;
}

/** An operation running longer than this shows its progress in its row of the list. */
export const SLOW_OPERATION_MS = 500;

/** How the model list is ordered. */
export type SortKey = 'name' | 'date' | 'size';

export const SORT_KEYS: readonly SortKey[] = ['name', 'date', 'size'];

/** The list's view state, kept across reloads. */
export interface IListState {
  query: string;
  sort: SortKey;
}

export interface IModelsModelOptions {
  /** The storeLocation setting; empty means the default. */
  storeSetting?: string;
  /** Server root directory, where the default store lives. */
  serverRoot?: string;
  /** Request timeout in milliseconds. */
  timeout?: number;
  /** Creates the bridge of a kernel (tests wrap a fake kernel here). */
  createBridge?: (
    kernel: Kernel.IKernelConnection,
    timeout: number
  ) => KernelBridge;
}

export class ModelsModel {
  constructor(options: IModelsModelOptions = {}) {
    this._storeSetting = options.storeSetting ?? '';
    this._serverRoot = options.serverRoot ?? '';
    this._timeout = options.timeout ?? 60000;
    this._createBridge =
      options.createBridge ??
      ((kernel, timeout) => new KernelBridge(kernel, { timeout }));
  }

  /** Emitted on every change of what the panel shows. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get notebook(): INotebookBinding | null {
    return this._notebook;
  }
  get status(): ConnectionStatus {
    return this._status;
  }
  /** Why the status is not 'ready', in words. */
  get statusMessage(): string {
    return this._statusMessage;
  }
  /** The kernel's language when it is not Python ('' otherwise). */
  get kernelLanguage(): string {
    return this._kernelLanguage;
  }
  /** Absolute store location as the kernel resolved it ('' before the handshake). */
  get storeLocation(): string {
    return this._storeLocation;
  }
  get packageVersion(): string {
    return this._packageVersion;
  }
  /** Installed versions of the supported libraries in the kernel. */
  get kernelLibraryVersions(): Readonly<Record<string, string>> {
    return this._kernelLibraryVersions;
  }
  /** Entries of the store the last listing left out, each with the reason. */
  get skipped(): readonly ISkippedEntry[] {
    return this._skipped;
  }

  get models(): readonly IModelSummary[] {
    return this._models;
  }
  get variables(): readonly IVariableInfo[] {
    return this._variables;
  }
  /** How many versions each model name has. */
  versionCount(name: string): number {
    return this._versionCounts[name] ?? 0;
  }

  /** The version a save under `name` would get (1 for a new name). */
  nextVersion(name: string): number {
    const latest = this._models.find(m => m.name === name);
    return latest ? latest.version + 1 : 1;
  }

  /** The models the list shows: matching the search, in the chosen order. */
  get visibleModels(): readonly IModelSummary[] {
    return filterAndSort(this._models, this._listState);
  }
  get listState(): IListState {
    return this._listState;
  }
  /** Emitted when the search or the sort changes (to keep them across reloads). */
  get listStateChanged(): ISignal<this, IListState> {
    return this._listStateChanged;
  }

  /**
   * The model version the details show: the chosen version, else the latest. The whole
   * manifest once `versions` answered; until then the latest version's summary from the list.
   */
  get selected(): IModelSummary | IModelInfo | null {
    const latest = this._models.find(m => m.name === this._selectedName);
    if (!latest) {
      return null;
    }
    const wanted = this._selectedVersion ?? latest.version;
    return this._selectedVersions.find(v => v.version === wanted) ?? latest;
  }
  /** Every version of the selected model, oldest first (empty until fetched). */
  get selectedVersions(): readonly IModelInfo[] {
    return this._selectedVersions;
  }
  get pending(): IPendingOperation | null {
    return this._pendingOp;
  }
  /**
   * Whether a refresh waits for the running cell: the comm has no kernel subshell (JupyterLab
   * < 4.4 or a kernel without subshells), so the list is read once the cell ends.
   */
  get listWaitsForCell(): boolean {
    const kernel = this._bridge?.kernel;
    return (
      this._pendingOp?.kind === 'refresh' &&
      !!kernel &&
      kernel.status === 'busy' &&
      !commsOverSubshell(kernel)
    );
  }
  /** The last failed operation, in words; cleared by the next success. */
  get error(): string | null {
    return this._error;
  }
  /** What `error` describes (a BridgeError, mostly), for the views to word it. */
  get errorReason(): unknown {
    return this._errorReason;
  }

  /** Bind to another notebook (or none); follows the active notebook. */
  setNotebook(notebook: INotebookBinding | null): void {
    if (notebook === this._notebook) {
      return;
    }
    const old = this._notebook?.sessionContext;
    old?.kernelChanged.disconnect(this._onKernelChanged, this);
    old?.statusChanged.disconnect(this._onKernelStatus, this);
    this._notebook = notebook;
    this._models = [];
    this._variables = [];
    this._selectedName = null;
    this._selectedVersions = [];
    this._selectedVersion = null;
    this._error = null;
    this._dropBridge();
    if (!notebook) {
      this._setStatus('no-notebook', '');
      return;
    }
    notebook.sessionContext.kernelChanged.connect(this._onKernelChanged, this);
    notebook.sessionContext.statusChanged.connect(this._onKernelStatus, this);
    void notebook.sessionContext.ready.then(() => {
      if (this._notebook === notebook) {
        void this._connect();
      }
    });
    this._setStatus('connecting', '');
  }

  /** Change the store location setting; reconnects so the kernel resolves it. */
  setStoreSetting(value: string): void {
    if (value === this._storeSetting) {
      return;
    }
    this._storeSetting = value;
    this._dropBridge();
    void this._connect();
  }

  /** Change the request timeout (milliseconds), for this bridge and the next. */
  setTimeout(ms: number): void {
    this._timeout = ms;
    if (this._bridge) {
      this._bridge.timeout = ms;
    }
  }

  /** Show a model's details (its latest version) and fetch its versions. */
  select(name: string | null): void {
    if (name !== this._selectedName) {
      this._selectedVersions = [];
      this._selectedVersion = null;
    }
    this._selectedName = name;
    this._changed.emit();
    if (name !== null) {
      void this._fetchVersions(name);
    }
  }

  /** Show one version of the selected model (null: the latest). */
  selectVersion(version: number | null): void {
    this._selectedVersion = version;
    this._changed.emit();
  }

  /** Select the next (+1) or previous (-1) model of the visible list. */
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
    this._changed.emit();
  }

  /** Reload the model list and the notebook's supported variables; not connected (a failed
   * start, a kernel that died and came back), start again from the beginning. */
  async refresh(): Promise<void> {
    if (this._status !== 'ready' && this._notebook) {
      this._dropBridge();
      return this._connect();
    }
    await this._run({ kind: 'refresh', target: '' }, async bridge => {
      // The list comes over a kernel subshell where there is one, even while a cell runs;
      // the variables wait for the main shell (the cell), so the refresh does not wait for
      // them: they arrive on their own and say meanwhile that they wait.
      void this._refreshVariablesOf(bridge);
      const list = await bridge.request<IListResult>('list');
      this._models = list.models;
      this._versionCounts = list.version_counts;
      this._skipped = list.skipped ?? [];
      if (
        this._selectedName &&
        !this._models.some(m => m.name === this._selectedName)
      ) {
        this._selectedName = null;
      }
    });
  }

  /** Whether the variables are being fetched (they wait for a running cell). */
  get variablesPending(): boolean {
    return this._variablesPending > 0;
  }

  private async _refreshVariablesOf(bridge: KernelBridge): Promise<void> {
    this._variablesPending++;
    this._changed.emit();
    try {
      const result = await bridge.request<{ variables: IVariableInfo[] }>(
        'variables'
      );
      if (this._bridge === bridge) {
        this._variables = result.variables;
      }
    } catch {
      // Kept as they were: the refresh's own errors are reported by the list request.
    } finally {
      this._variablesPending--;
      this._changed.emit();
    }
  }

  /** Fetch the notebook's supported variables now (before a save dialog). */
  async refreshVariables(): Promise<readonly IVariableInfo[]> {
    const bridge = this._requireBridge();
    const result = await bridge.request<{ variables: IVariableInfo[] }>(
      'variables'
    );
    this._variables = result.variables;
    this._changed.emit();
    return this._variables;
  }

  async save(
    variable: string,
    name: string,
    description: string
  ): Promise<IModelInfo> {
    return this._run({ kind: 'save', target: name }, async bridge => {
      const { model } = await bridge.request<{ model: IModelInfo }>(
        'save',
        {
          variable,
          name,
          description,
          notebook: this._notebook?.path ?? null
        },
        { onProgress: this._onProgress }
      );
      this._selectedName = model.name; // the reload fetches its versions
      await this._reloadList(bridge);
      return model;
    });
  }

  /** Load into `variable`; `trusted` lists the types the user trusts (skops). */
  async load(
    name: string,
    version: number | null,
    variable: string,
    options: { overwrite?: boolean; trusted?: string[] } = {}
  ): Promise<ILoadResult> {
    return this._run({ kind: 'load', target: name }, bridge =>
      bridge.request<ILoadResult>(
        'load',
        {
          name,
          version,
          variable,
          overwrite: options.overwrite ?? false,
          ...(options.trusted ? { trusted: options.trusted } : {})
        },
        { onProgress: this._onProgress }
      )
    );
  }

  async delete(name: string, version: number | null): Promise<number[]> {
    return this._run({ kind: 'delete', target: name }, async bridge => {
      const { deleted } = await bridge.request<{ deleted: number[] }>(
        'delete',
        { name, version }
      );
      await this._reloadList(bridge);
      if (!this._models.some(m => m.name === this._selectedName)) {
        this._selectedName = null;
      }
      return deleted;
    });
  }

  dispose(): void {
    this.setNotebook(null);
    Signal.clearData(this);
  }

  /** Run one operation: busy state, error in words, change signal. Rethrows errors. */
  private async _run<T>(
    op: Omit<IPendingOperation, 'done' | 'total' | 'slow'>,
    body: (bridge: KernelBridge) => Promise<T>
  ): Promise<T> {
    const bridge = this._requireBridge();
    this._pendingOp = { ...op, done: 0, total: 0, slow: false };
    this._changed.emit();
    const slowTimer = setTimeout(() => {
      if (this._pendingOp) {
        this._pendingOp = { ...this._pendingOp, slow: true };
        this._changed.emit();
      }
    }, SLOW_OPERATION_MS);
    try {
      const result = await body(bridge);
      this._error = null;
      return result;
    } catch (reason) {
      // A question for the user (overwrite? trust?) is not a failure to show.
      const question =
        reason instanceof BridgeError && QUESTION_CODES.has(reason.code);
      this._error = question ? null : describeError(reason);
      this._errorReason = question ? null : reason;
      throw reason;
    } finally {
      clearTimeout(slowTimer);
      this._pendingOp = null;
      this._changed.emit();
    }
  }

  private _onProgress = (done: number, total: number): void => {
    if (this._pendingOp) {
      this._pendingOp = { ...this._pendingOp, done, total };
      this._changed.emit();
    }
  };

  private async _reloadList(bridge: KernelBridge): Promise<void> {
    const list = await bridge.request<IListResult>('list');
    this._models = list.models;
    this._versionCounts = list.version_counts;
    this._skipped = list.skipped ?? [];
    const models = list.models;
    this._selectedVersions = [];
    this._selectedVersion = null;
    if (this._selectedName && models.some(m => m.name === this._selectedName)) {
      void this._fetchVersions(this._selectedName);
    }
  }

  private async _fetchVersions(name: string): Promise<void> {
    const bridge = this._bridge;
    if (!bridge || this._status !== 'ready') {
      return;
    }
    try {
      const { versions } = await bridge.request<{ versions: IModelInfo[] }>(
        'versions',
        { name }
      );
      if (this._selectedName === name) {
        this._selectedVersions = versions;
        this._changed.emit();
      }
    } catch (reason) {
      // The details still show the latest version; say why the versions are missing.
      this._error = describeError(reason);
      this._errorReason = reason;
      this._changed.emit();
    }
  }

  private _requireBridge(): KernelBridge {
    if (!this._bridge || this._status !== 'ready') {
      throw new BridgeError(
        'kernel_unavailable',
        this._statusMessage || 'No Python kernel is connected.',
        {},
        { why: 'not-connected' }
      );
    }
    return this._bridge;
  }

  private async _connect(): Promise<void> {
    const notebook = this._notebook;
    const kernel = notebook?.sessionContext.session?.kernel ?? null;
    if (!notebook) {
      return;
    }
    if (!kernel) {
      this._setStatus('no-kernel', 'This notebook has no kernel.');
      return;
    }
    if (this._bridge?.kernel === kernel && this._status !== 'error') {
      return;
    }
    this._dropBridge();
    const bridge = this._createBridge(kernel, this._timeout);
    this._bridge = bridge;
    this._setStatus('connecting', '');
    try {
      const hello = await bridge.connect({
        store: this._storeSetting,
        server_root: this._serverRoot
      });
      if (this._bridge !== bridge) {
        return;
      }
      this._storeLocation = hello.store;
      this._packageVersion = hello.package_version;
      this._kernelLibraryVersions = hello.library_versions ?? {};
      // Ready only with the first list in hand: no flash of an empty store.
      this._status = 'ready';
      this._statusMessage = '';
      await this.refresh();
    } catch (reason) {
      if (this._bridge !== bridge) {
        return;
      }
      if (reason instanceof BridgeSetupError && reason.reason === 'aborted') {
        // Run All with a failing cell: start again once the kernel is idle (the status
        // handler), or now if it already is.
        this._dropBridge();
        this._setStatus('waiting', '');
        if (kernel.status === 'idle') {
          setTimeout(() => void this._connect(), RETRY_AFTER_ABORT_MS);
        }
      } else if (reason instanceof BridgeSetupError) {
        this._kernelLanguage = reason.language;
        const status =
          reason.reason === 'not-python' || reason.reason === 'missing-package'
            ? reason.reason
            : 'error';
        this._setStatus(status, reason.message);
      } else {
        this._setStatus('error', describeError(reason));
      }
    }
  }

  private _dropBridge(stoppedBy?: Kernel.Status): void {
    this._bridge?.dispose(stoppedBy);
    this._bridge = null;
    this._storeLocation = '';
  }

  private _onKernelChanged(): void {
    this._dropBridge();
    this._models = [];
    this._variables = [];
    void this._connect();
  }

  private _onKernelStatus(_: ISessionContext, status: Kernel.Status): void {
    if (
      status === 'restarting' ||
      status === 'autorestarting' ||
      status === 'dead'
    ) {
      // The kernel side (and its comm) is gone: register again once it is back. An
      // operation under way did not finish: say why.
      this._dropBridge(status);
      this._variables = [];
      this._setStatus(status === 'dead' ? 'kernel-dead' : 'connecting', '');
    } else if (status === 'idle' && this._bridge === null) {
      void this._connect();
    }
  }

  private _setStatus(status: ConnectionStatus, message: string): void {
    this._status = status;
    this._statusMessage = message;
    this._changed.emit();
  }

  private _bridge: KernelBridge | null = null;
  private _changed = new Signal<this, void>(this);
  private _createBridge: (
    kernel: Kernel.IKernelConnection,
    timeout: number
  ) => KernelBridge;
  private _error: string | null = null;
  private _errorReason: unknown = null;
  private _models: IModelSummary[] = [];
  private _versionCounts: Record<string, number> = {};
  private _skipped: ISkippedEntry[] = [];
  private _variablesPending = 0;
  private _notebook: INotebookBinding | null = null;
  private _packageVersion = '';
  private _kernelLanguage = '';
  private _kernelLibraryVersions: Record<string, string> = {};
  private _pendingOp: IPendingOperation | null = null;
  private _listState: IListState = { query: '', sort: 'name' };
  private _listStateChanged = new Signal<this, IListState>(this);
  private _selectedName: string | null = null;
  private _selectedVersion: number | null = null;
  private _selectedVersions: IModelInfo[] = [];
  private _serverRoot: string;
  private _status: ConnectionStatus = 'no-notebook';
  private _statusMessage = '';
  private _storeLocation = '';
  private _storeSetting: string;
  private _timeout: number;
  private _variables: IVariableInfo[] = [];
}

/** After a start aborted by a failing cell, while the kernel is already idle. */
const RETRY_AFTER_ABORT_MS = 300;

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

/** Kernel errors that ask the user something; the caller retries after the answer. */
const QUESTION_CODES = new Set<string>(['variable_exists', 'untrusted']);

/** An error in words, with the kernel's stable code when there is one. */
export function describeError(reason: unknown): string {
  if (reason instanceof BridgeError) {
    return `${reason.message} (${reason.code})`;
  }
  if (reason instanceof Error) {
    return reason.message;
  }
  return String(reason);
}
