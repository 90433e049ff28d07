/**
 * KernelBridge: one comm per kernel. Registers the kernel side silently, opens the comm,
 * does the `hello` handshake, and turns requests into promises of replies (by id), with
 * progress events and timeouts. Knows nothing of views or of the panel's state; the
 * connection model (models/connection.ts) disposes of it when its kernel stops.
 */
import { Kernel, KernelMessage as KM } from '@jupyterlab/services';
import { JSONObject, UUID } from '@lumino/coreutils';
import {
  COMM_TARGET,
  ErrorCode,
  IHelloResult,
  isKernelMessage,
  isProgress,
  isWaiting,
  KernelMessage,
  Op,
  PROTOCOL_VERSION
} from './protocol';

/** Runs in the kernel without history or output; any failure is read from the reply. */
export const REGISTER_CODE =
  'import jupyterlab_models.kernel as _jlm_kernel\n' +
  '_jlm_kernel.register()\n' +
  'del _jlm_kernel';

/** The pip command shown when the kernel cannot import our package. */
export const INSTALL_COMMAND = '%pip install jupyterlab-models';

/** An error with a stable code, from the kernel or from the bridge itself. */
export class BridgeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** For the errors the bridge itself makes: which one, to word it in the user's language. */
    readonly local?: LocalError
  ) {
    super(message);
    this.name = 'BridgeError';
  }
}

/** An error of the bridge's own (not from the kernel), with what its message says. */
export type LocalError =
  | { why: 'not-connected' }
  | { why: 'closed' }
  | { why: 'stopped'; status: string }
  | { why: 'timeout'; op: string; seconds: number };

/** Why a kernel could not be connected: each gets its own message in the panel. */
export type SetupFailure =
  'not-python' | 'missing-package' | 'aborted' | 'failed';

/** What a 'failed' start was, for the panel to word it in the user's language. */
export type SetupDetail =
  | { why: 'exception'; ename: string; evalue: string }
  | { why: 'no-reply' }
  | { why: 'protocol'; kernel: number; panel: number };

export class BridgeSetupError extends Error {
  constructor(
    readonly reason: SetupFailure,
    message: string,
    /** The kernel's language, for 'not-python'. */
    readonly language = '',
    readonly detail?: SetupDetail
  ) {
    super(message);
    this.name = 'BridgeSetupError';
  }
}

export interface IRequestOptions {
  /** Milliseconds without any message (reply or progress) before the request fails. */
  timeout?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * The request waits for the running cell (it touches the user's objects); `cancel` asks the
   * kernel to drop it, and the request then fails with `cancelled`. No timeout while it waits.
   */
  onWaiting?: (cancel: () => void) => void;
}

interface IPending {
  op: Op;
  timeout: number;
  timer: ReturnType<typeof setTimeout>;
  resolve: (result: any) => void;
  reject: (error: Error) => void;
  onProgress?: (done: number, total: number) => void;
  onWaiting?: (cancel: () => void) => void;
  /** The kernel said it waits for the running cell (and has not started it yet). */
  waiting?: boolean;
}

/** How long the start waits for the comm's kernel subshell. */
const SUBSHELL_START_MS = 5000;

/** How long a panel letting go of a kernel waits for its cancels to be answered. */
const CANCEL_TIMEOUT_MS = 5000;

/** Close a comm (the kernel side drops it), or only dispose of it when the kernel is gone. */
function closeComm(comm: Kernel.IComm | null): void {
  if (!comm || comm.isDisposed) {
    return;
  }
  comm.onClose = () => undefined; // its requests have been answered or failed already
  try {
    comm.close();
  } catch {
    comm.dispose();
  }
}

/** The part of a kernel connection the bridge uses; subshells only from JupyterLab 4.4. */
export type IKernelLike = Pick<
  Kernel.IKernelConnection,
  'info' | 'requestExecute' | 'createComm' | 'id' | 'status'
> &
  Partial<
    Pick<Kernel.IKernelConnection, 'supportsSubshells' | 'commsOverSubshells'>
  >;

/**
 * Whether our comm's messages run on a kernel subshell, so that the store is read while a
 * cell runs: JupyterLab >= 4.4 sends comms over subshells when the kernel has them
 * (ipykernel >= 7), unless that is turned off. Older releases have neither property.
 */
export function commsOverSubshell(kernel: IKernelLike): boolean {
  return (
    kernel.supportsSubshells === true &&
    // A string, not the CommsOverSubshells enum: importing it breaks JupyterLab < 4.4.
    String(kernel.commsOverSubshells) !== 'disabled'
  );
}

export class KernelBridge {
  constructor(
    readonly kernel: IKernelLike,
    options: { timeout?: number } = {}
  ) {
    this.timeout = options.timeout ?? 60000;
  }

  /** Default milliseconds without any message before a request fails. */
  timeout: number;

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Register the kernel side, open the comm and shake hands. */
  async connect(helloArgs: {
    store: string;
    server_root: string;
  }): Promise<IHelloResult> {
    const info = await this.kernel.info;
    const language = info.language_info?.name ?? '';
    if (language.toLowerCase() !== 'python') {
      throw new BridgeSetupError(
        'not-python',
        `This notebook's kernel runs ${language || 'an unknown language'}; models can be saved only from a Python kernel.`,
        language
      );
    }
    const future = this.kernel.requestExecute({
      code: REGISTER_CODE,
      silent: true,
      store_history: false,
      stop_on_error: false
    });
    const reply = (await future.done) as KM.IExecuteReplyMsg;
    const content = reply.content;
    if (content.status === 'error') {
      if (content.ename === 'ModuleNotFoundError') {
        throw new BridgeSetupError(
          'missing-package',
          `jupyterlab_models is not installed in this kernel's environment. Run: ${INSTALL_COMMAND}`
        );
      }
      throw new BridgeSetupError(
        'failed',
        `Could not start jupyterlab_models in the kernel: ${content.ename}: ${content.evalue}`,
        '',
        { why: 'exception', ename: content.ename, evalue: content.evalue }
      );
    }
    if (content.status === 'aborted') {
      // A cell that failed before ours made the kernel drop the requests queued behind it
      // (stop_on_error): not final, the model tries again when the kernel is idle.
      throw new BridgeSetupError(
        'aborted',
        'The kernel aborted the start of jupyterlab_models.'
      );
    }
    if (content.status !== 'ok') {
      throw new BridgeSetupError(
        'failed',
        'The kernel did not start jupyterlab_models.',
        '',
        { why: 'no-reply' }
      );
    }
    this._comm = this.kernel.createComm(COMM_TARGET);
    this._comm.onMsg = msg => this._onMessage(msg.content.data);
    this._comm.onClose = () =>
      this._failAll('The kernel closed the connection.', { why: 'closed' });
    this._comm.open({});
    const hello = await this.request<IHelloResult>('hello', {
      protocol_version: PROTOCOL_VERSION,
      ...helloArgs
    });
    await this._subshellStarted();
    if (hello.protocol_version !== PROTOCOL_VERSION) {
      throw new BridgeSetupError(
        'failed',
        `The kernel speaks protocol ${hello.protocol_version}, this panel ${PROTOCOL_VERSION}: install the same jupyterlab-models version in JupyterLab and in the kernel.`,
        '',
        {
          why: 'protocol',
          kernel: hello.protocol_version,
          panel: PROTOCOL_VERSION
        }
      );
    }
    return hello;
  }

  /**
   * JupyterLab creates the comm's subshell after the comm (asynchronously); until then its
   * messages go to the main shell, behind any cell. Wait for it (briefly: a kernel that
   * does not answer still gets the main shell).
   */
  private async _subshellStarted(): Promise<void> {
    const started = (this._comm as { subshellStarted?: Promise<void> } | null)
      ?.subshellStarted;
    if (!started || !commsOverSubshell(this.kernel)) {
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      started.catch(() => undefined),
      new Promise<void>(resolve => {
        timer = setTimeout(resolve, SUBSHELL_START_MS);
      })
    ]);
    clearTimeout(timer);
  }

  /** Send one request; resolves with its result, rejects with a BridgeError. */
  request<T = any>(
    op: Op,
    args: Record<string, unknown> = {},
    options: IRequestOptions = {}
  ): Promise<T> {
    const comm = this._comm;
    if (this._disposed || !comm || comm.isDisposed) {
      return Promise.reject(
        new BridgeError(
          'kernel_unavailable',
          'The kernel is not connected.',
          {},
          { why: 'not-connected' }
        )
      );
    }
    return this._send<T>(comm, op, args, options);
  }

  private _send<T>(
    comm: Kernel.IComm,
    op: Op,
    args: Record<string, unknown>,
    options: IRequestOptions
  ): Promise<T> {
    const id = UUID.uuid4();
    const timeout = options.timeout ?? this.timeout;
    return new Promise<T>((resolve, reject) => {
      const pending: IPending = {
        op,
        timeout,
        timer: this._startTimer(id, op, timeout),
        resolve,
        reject,
        onProgress: options.onProgress,
        onWaiting: options.onWaiting
      };
      this._pending.set(id, pending);
      comm.send({ id, op, args } as JSONObject);
    });
  }

  /**
   * Close the comm. Requests still under way fail: "the kernel stopped (`stoppedBy`)" when a
   * kernel status is the reason, else "the connection was closed". When the panel lets go of
   * a live kernel (its notebook closed, another one bound), a request still waiting for the
   * running cell is cancelled in the kernel, and the comm closed once the kernel answered, so
   * that the request does not run later, unseen.
   */
  dispose(stoppedBy?: Kernel.Status): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    const comm = this._comm;
    this._comm = null;
    if (stoppedBy) {
      this._failStopped(stoppedBy);
      if (comm && !comm.isDisposed) {
        comm.dispose(); // the kernel side is gone with its comm
      }
      return;
    }
    const waiting = [...this._pending].filter(([, pending]) => pending.waiting);
    for (const [id, pending] of waiting) {
      this._pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(
        new BridgeError(
          'cancelled',
          'cancelled: the panel let go of the kernel'
        )
      );
    }
    this._failAll('The kernel connection was closed.', { why: 'closed' });
    if (!comm || comm.isDisposed || waiting.length === 0) {
      closeComm(comm);
      return;
    }
    comm.onClose = () =>
      this._failAll('The kernel closed the connection.', { why: 'closed' });
    const cancels = waiting.map(([id]) =>
      this._send(
        comm,
        'cancel',
        { request: id },
        { timeout: CANCEL_TIMEOUT_MS }
      )
    );
    void Promise.allSettled(cancels).then(() => closeComm(comm));
  }

  private _startTimer(
    id: string,
    op: Op,
    timeout: number
  ): ReturnType<typeof setTimeout> {
    return setTimeout(() => {
      const pending = this._pending.get(id);
      if (pending) {
        this._pending.delete(id);
        pending.reject(
          new BridgeError(
            'timeout',
            `The kernel did not answer "${op}" within ${Math.round(timeout / 1000)} s. It may be busy running a cell; try again when it is idle.`,
            {},
            { why: 'timeout', op, seconds: Math.round(timeout / 1000) }
          )
        );
      }
    }, timeout);
  }

  private _onMessage(data: unknown): void {
    if (!isKernelMessage(data)) {
      console.warn('jupyterlab-models: ignoring a malformed message', data);
      return;
    }
    const pending = this._pending.get(data.id);
    if (!pending) {
      return;
    }
    clearTimeout(pending.timer);
    this._handle(data.id, pending, data);
  }

  private _handle(id: string, pending: IPending, msg: KernelMessage): void {
    if (isWaiting(msg)) {
      // The cell may run for hours: no timeout until the request runs (its progress).
      pending.waiting = true;
      pending.onWaiting?.(() => {
        void this.request('cancel', { request: id }).catch(() => undefined);
      });
      return;
    }
    if (isProgress(msg)) {
      // Progress proves the kernel is alive (and runs the request): restart the clock.
      pending.waiting = false;
      pending.timer = this._startTimer(id, pending.op, pending.timeout);
      pending.onProgress?.(msg.done, msg.total);
      return;
    }
    this._pending.delete(id);
    if (msg.ok) {
      pending.resolve(msg.result);
    } else {
      pending.reject(
        new BridgeError(msg.error.code, msg.error.message, msg.error.details)
      );
    }
  }

  private _failStopped(status: Kernel.Status): void {
    this._failAll(`The kernel stopped (${status}) before it answered.`, {
      why: 'stopped',
      status
    });
  }

  private _failAll(message: string, local: LocalError): void {
    for (const pending of this._pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new BridgeError('kernel_unavailable', message, {}, local));
    }
    this._pending.clear();
  }

  private _comm: Kernel.IComm | null = null;
  private _disposed = false;
  private _pending = new Map<string, IPending>();
}
