/**
 * The kernel connection: which notebook the panel is bound to, its kernel, and the bridge to
 * it. The only owner of what happens when a kernel starts, restarts, dies, changes or aborts
 * the start (a failing cell of Run All): it drops the bridge, says why, and starts again.
 */
import { ISessionContext } from '@jupyterlab/apputils';
import { Kernel } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';
import {
  BridgeError,
  BridgeSetupError,
  commsOverSubshell,
  KernelBridge
} from '../bridge';

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

export interface IKernelConnectionModel {
  readonly statusChanged: ISignal<IKernelConnectionModel, ConnectionStatus>;
  /** Emitted with the bridge once the handshake is done. */
  readonly connected: ISignal<IKernelConnectionModel, KernelBridge>;
  /** Emitted when another notebook or kernel is bound: what was listed is stale. */
  readonly rebound: ISignal<IKernelConnectionModel, void>;
  readonly notebook: INotebookBinding | null;
  readonly status: ConnectionStatus;
  /** Details of a failed start (the kernel's error), '' otherwise. */
  readonly statusMessage: string;
  /** Why the start failed (a BridgeSetupError, mostly), for the views to word; else null. */
  readonly failure: unknown;
  /** The kernel's language when it is not Python ('' otherwise). */
  readonly kernelLanguage: string;
  /** Absolute store location as the kernel resolved it ('' before the handshake). */
  readonly storeLocation: string;
  readonly packageVersion: string;
  /** Installed versions of the supported libraries in the kernel. */
  readonly kernelLibraryVersions: Readonly<Record<string, string>>;
  /** The bridge while connected, else null. */
  readonly bridge: KernelBridge | null;
  /**
   * Whether a request sent now waits for a running cell: the kernel is busy and our comm has
   * no subshell (JupyterLab < 4.4, or a kernel without subshells).
   */
  readonly waitsForCell: boolean;
}

export interface IKernelConnectionOptions {
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

/** After a start aborted by a failing cell, while the kernel is already idle. */
const RETRY_AFTER_ABORT_MS = 300;

export class KernelConnectionModel implements IKernelConnectionModel {
  constructor(options: IKernelConnectionOptions = {}) {
    this._storeSetting = options.storeSetting ?? '';
    this._serverRoot = options.serverRoot ?? '';
    this._timeout = options.timeout ?? 60000;
    this._createBridge =
      options.createBridge ??
      ((kernel, timeout) => new KernelBridge(kernel, { timeout }));
  }

  get statusChanged(): ISignal<this, ConnectionStatus> {
    return this._statusChanged;
  }
  get connected(): ISignal<this, KernelBridge> {
    return this._connected;
  }
  get rebound(): ISignal<this, void> {
    return this._rebound;
  }
  get notebook(): INotebookBinding | null {
    return this._notebook;
  }
  get status(): ConnectionStatus {
    return this._status;
  }
  get statusMessage(): string {
    return this._statusMessage;
  }
  get failure(): unknown {
    return this._failure;
  }
  get kernelLanguage(): string {
    return this._kernelLanguage;
  }
  get storeLocation(): string {
    return this._storeLocation;
  }
  get packageVersion(): string {
    return this._packageVersion;
  }
  get kernelLibraryVersions(): Readonly<Record<string, string>> {
    return this._kernelLibraryVersions;
  }
  get waitsForCell(): boolean {
    const kernel = this.bridge?.kernel;
    return !!kernel && kernel.status === 'busy' && !commsOverSubshell(kernel);
  }

  get bridge(): KernelBridge | null {
    return this._status === 'ready' ? this._bridge : null;
  }

  /** The bridge, or a `kernel_unavailable` error when not connected. */
  requireBridge(): KernelBridge {
    const bridge = this.bridge;
    if (!bridge) {
      throw new BridgeError(
        'kernel_unavailable',
        this._statusMessage || 'No Python kernel is connected.',
        {},
        { why: 'not-connected' }
      );
    }
    return bridge;
  }

  /** Bind to another notebook (or none). */
  setNotebook(notebook: INotebookBinding | null): void {
    if (notebook === this._notebook) {
      return;
    }
    const old = this._notebook?.sessionContext;
    old?.kernelChanged.disconnect(this._onKernelChanged, this);
    old?.statusChanged.disconnect(this._onKernelStatus, this);
    this._notebook = notebook;
    this._dropBridge();
    this._rebound.emit();
    if (!notebook) {
      this._setStatus('no-notebook', '');
      return;
    }
    notebook.sessionContext.kernelChanged.connect(this._onKernelChanged, this);
    notebook.sessionContext.statusChanged.connect(this._onKernelStatus, this);
    this._setStatus('connecting', '');
    void notebook.sessionContext.ready.then(() => {
      if (this._notebook === notebook) {
        void this._connect();
      }
    });
  }

  /** Change the store location setting; reconnects so the kernel resolves it. */
  setStoreSetting(value: string): void {
    if (value === this._storeSetting) {
      return;
    }
    this._storeSetting = value;
    if (this._notebook) {
      void this.restart();
    }
  }

  /** Change the request timeout (milliseconds), for this bridge and the next. */
  setTimeout(ms: number): void {
    this._timeout = ms;
    if (this._bridge) {
      this._bridge.timeout = ms;
    }
  }

  /** Drop the bridge and start again from the registration. */
  restart(): Promise<void> {
    this._dropBridge();
    return this._connect();
  }

  dispose(): void {
    this.setNotebook(null);
    Signal.clearData(this);
  }

  private async _connect(): Promise<void> {
    const notebook = this._notebook;
    if (!notebook) {
      return;
    }
    const kernel = notebook.sessionContext.session?.kernel ?? null;
    if (!kernel) {
      this._setStatus('no-kernel', '');
      return;
    }
    if (this._bridge?.kernel === kernel) {
      return; // a start of this kernel is under way or done
    }
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
      this._setStatus('ready', '');
      this._connected.emit(bridge);
    } catch (reason) {
      if (this._bridge !== bridge) {
        return;
      }
      this._dropBridge();
      this._failure = reason;
      if (reason instanceof BridgeSetupError && reason.reason === 'aborted') {
        // Run All with a failing cell: start again once the kernel is idle (the status
        // handler), or now if it already is.
        this._setStatus('waiting', '');
        if (kernel.status === 'idle') {
          setTimeout(() => {
            if (this._notebook === notebook && this._status === 'waiting') {
              void this._connect();
            }
          }, RETRY_AFTER_ABORT_MS);
        }
      } else if (reason instanceof BridgeSetupError) {
        this._kernelLanguage = reason.language;
        const status =
          reason.reason === 'not-python' || reason.reason === 'missing-package'
            ? reason.reason
            : 'error';
        this._setStatus(status, reason.message);
      } else {
        this._setStatus(
          'error',
          reason instanceof Error ? reason.message : String(reason)
        );
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
    this._rebound.emit();
    void this._connect();
  }

  private _onKernelStatus(_: ISessionContext, status: Kernel.Status): void {
    if (
      status === 'restarting' ||
      status === 'autorestarting' ||
      status === 'dead'
    ) {
      // The kernel side (and its comm) is gone: requests under way fail saying why, and the
      // start begins again once the kernel is back.
      this._dropBridge(status);
      this._setStatus(status === 'dead' ? 'kernel-dead' : 'connecting', '');
    } else if (status === 'idle' && this._bridge === null) {
      void this._connect();
    }
  }

  private _setStatus(status: ConnectionStatus, message: string): void {
    if (status === 'ready' || status === 'connecting') {
      this._failure = null;
    }
    if (status === this._status && message === this._statusMessage) {
      return;
    }
    this._status = status;
    this._statusMessage = message;
    this._statusChanged.emit(status);
  }

  private _bridge: KernelBridge | null = null;
  private _connected = new Signal<this, KernelBridge>(this);
  private _createBridge: (
    kernel: Kernel.IKernelConnection,
    timeout: number
  ) => KernelBridge;
  private _failure: unknown = null;
  private _kernelLanguage = '';
  private _kernelLibraryVersions: Record<string, string> = {};
  private _notebook: INotebookBinding | null = null;
  private _packageVersion = '';
  private _rebound = new Signal<this, void>(this);
  private _serverRoot: string;
  private _status: ConnectionStatus = 'no-notebook';
  private _statusChanged = new Signal<this, ConnectionStatus>(this);
  private _statusMessage = '';
  private _storeLocation = '';
  private _storeSetting: string;
  private _timeout: number;
}
