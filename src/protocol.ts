/**
 * Wire types of the comm protocol (mirror of jupyterlab_models/protocol.py).
 * See docs/PROTOCOL.md; both sides are tested against tests/fixtures/protocol/*.json.
 */

export const PROTOCOL_VERSION = 2;

/** The comm target the kernel side registers. */
export const COMM_TARGET = 'jupyterlab_models';

/** Error codes the kernel sends. */
export const KERNEL_ERROR_CODES = [
  'bad_request',
  'unknown_op',
  'protocol_mismatch',
  'name_invalid',
  'variable_invalid',
  'variable_not_found',
  'variable_exists',
  'unsupported_type',
  'not_found',
  'library_missing',
  'integrity',
  'untrusted',
  'internal',
  'cancelled',
  'base_missing'
] as const;

/** Error codes only the frontend produces. */
export const FRONTEND_ERROR_CODES = ['timeout', 'kernel_unavailable'] as const;

export type ErrorCode =
  (typeof KERNEL_ERROR_CODES)[number] | (typeof FRONTEND_ERROR_CODES)[number];

export type Op =
  | 'hello'
  | 'variables'
  | 'list'
  | 'info'
  | 'versions'
  | 'save'
  | 'load'
  | 'delete'
  | 'cancel';

export interface IRequest {
  id: string;
  op: Op;
  args: Record<string, unknown>;
}

export interface IErrorBody {
  code: ErrorCode;
  message: string;
  /** Specifics the panel acts on, e.g. `{untrusted: [...]}` for `untrusted`. */
  details?: Record<string, unknown>;
}

export interface IOkReply {
  id: string;
  ok: true;
  result: any;
}

export interface IErrorReply {
  id: string;
  ok: false;
  error: IErrorBody;
}

export interface IProgressEvent {
  id: string;
  event: 'progress';
  done: number;
  total: number;
}

/** The request waits for the running cell: it touches the user's objects. */
export interface IWaitingEvent {
  id: string;
  event: 'waiting';
}

export type KernelMessage =
  IOkReply | IErrorReply | IProgressEvent | IWaitingEvent;

/**
 * One stored file. Schema 2 manifests name the hash in `digest`
 * ("blake3:<64 hex>"); schema 1 manifests have `sha256` (64 hex) instead.
 */
export interface IFileEntry {
  path: string;
  size: number;
  digest?: string;
  sha256?: string;
}

/** The (algorithm, hex digest) of a file entry of either schema. */
export function fileDigest(entry: IFileEntry): [string, string] {
  if (entry.digest !== undefined) {
    const at = entry.digest.indexOf(':');
    return [entry.digest.slice(0, at), entry.digest.slice(at + 1)];
  }
  return ['sha256', entry.sha256 ?? ''];
}

/** A stored model version: the manifest. */
export interface IModelInfo {
  schema_version: number;
  name: string;
  version: number;
  description: string;
  library: string;
  type: string;
  format: string;
  files: IFileEntry[];
  size_bytes: number;
  created_at: string;
  user: string;
  notebook: string | null;
  variable: string | null;
  python_version: string;
  library_versions: Record<string, string>;
  extra: Record<string, unknown>;
}

/** A supported variable of the notebook's namespace. */
export interface IVariableInfo {
  name: string;
  library: string;
  class: string;
  format: string;
}

/** What a listing holds of a model version: every manifest field but these three. */
export type IModelSummary = Omit<
  IModelInfo,
  'files' | 'library_versions' | 'extra'
>;

/** Whether a model version is the whole manifest (from `info`, `versions`, `save`, `load`). */
export function isWholeManifest(
  model: IModelSummary | IModelInfo
): model is IModelInfo {
  return 'files' in model;
}

export interface IListResult {
  /** The latest version of each model, sorted by name. */
  models: IModelSummary[];
  version_counts: Record<string, number>;
  /** Entries of the store the listing left out (a damaged manifest, a link, ...). */
  skipped: ISkippedEntry[];
}

/** An entry of the store a listing left out, and why; `version` null: the whole name. */
export interface ISkippedEntry {
  name: string;
  version: number | null;
  reason: string;
}

export interface ILoadResult {
  variable: string;
  model: IModelInfo;
  /** Library version mismatches between the saving and the loading environment. */
  warnings: string[];
}

export interface IHelloResult {
  protocol_version: number;
  package_version: string;
  store: string;
  /** Installed versions of the supported libraries' distributions. */
  library_versions: Record<string, string>;
}

/** Tell a kernel message apart: progress event, or the final reply. */
export function isProgress(msg: KernelMessage): msg is IProgressEvent {
  return (msg as IProgressEvent).event === 'progress';
}

export function isWaiting(msg: KernelMessage): msg is IWaitingEvent {
  return (msg as IWaitingEvent).event === 'waiting';
}

/** Whether a value has the shape of a kernel message. */
export function isKernelMessage(value: unknown): value is KernelMessage {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const msg = value as Record<string, unknown>;
  if (typeof msg.id !== 'string') {
    return false;
  }
  if (msg.event === 'progress') {
    return typeof msg.done === 'number' && typeof msg.total === 'number';
  }
  if (msg.event === 'waiting') {
    return true;
  }
  if (msg.ok === true) {
    return 'result' in msg;
  }
  if (msg.ok === false) {
    const error = msg.error as Record<string, unknown> | undefined;
    return (
      typeof error === 'object' &&
      error !== null &&
      typeof error.code === 'string' &&
      typeof error.message === 'string'
    );
  }
  return false;
}

/** Why a variable name is refused (the panel words it, through `trans`). */
export type VariableNameProblem =
  'empty' | 'identifier' | 'keyword' | 'normalization';

/**
 * A Python identifier (Unicode, as Python's XID rule) that is not a keyword, written as Python
 * reads it (NFKC: `ｃlf`, with a fullwidth c, is `clf` in code). The kernel also refuses names
 * IPython keeps (`In`, `_`, `__x__`, ...) and says so.
 */
export function validateVariableName(name: string): VariableNameProblem | null {
  if (!name) {
    return 'empty';
  }
  if (!/^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u.test(name)) {
    return 'identifier';
  }
  if (PYTHON_KEYWORDS.has(name)) {
    return 'keyword';
  }
  if (name.normalize('NFKC') !== name) {
    return 'normalization';
  }
  return null;
}

const PYTHON_KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield'
]);

export const NAME_MAX_LENGTH = 128;
/** Characters of a model description; the store (store.py MAX_DESCRIPTION_LENGTH) refuses more. */
export const DESCRIPTION_MAX_LENGTH = 10_000;

/**
 * The first model name rule a name breaks, named as the `reason`s of tests/fixtures/names.json
 * and in the same order as jupyterlab_models/names.py: empty, length, character, start, end,
 * reserved.
 */
export type ModelNameProblem =
  'empty' | 'length' | 'character' | 'start' | 'end' | 'reserved';

/** Letters, digits and combining marks of any script, "-", "_", "." and space. */
const NAME_CHARACTERS = /^[\p{L}\p{N}\p{M}_. -]*$/u;
/** Windows device names, with or without an extension (the part before the first "."). */
const WINDOWS_DEVICE = /^(CON|PRN|AUX|NUL|(COM|LPT)[1-9\u00b9\u00b2\u00b3])$/i;

/** The number of Unicode code points of `text`, counted up to `limit + 1` at most. */
export function codePointCount(text: string, limit = Infinity): number {
  let count = 0;
  const codePoints = text[Symbol.iterator]();
  while (count <= limit && !codePoints.next().done) {
    count++;
  }
  return count;
}

/** A model name as the store keeps it: Unicode NFC (the panel sends that form). */
export function normalizeModelName(name: string): string {
  return name.normalize('NFC');
}

/**
 * The model name rule, the same as jupyterlab_models/names.py
 * (both tested against tests/fixtures/names.json). Returns the broken rule or null.
 * Lengths are in code points, as Python counts them, not UTF-16 units.
 */
export function validateModelName(name: string): ModelNameProblem | null {
  if (name.length === 0) {
    return 'empty';
  }
  if (codePointCount(name, NAME_MAX_LENGTH) > NAME_MAX_LENGTH) {
    return 'length';
  }
  if (!NAME_CHARACTERS.test(name)) {
    return 'character';
  }
  if (name.startsWith('.') || name.startsWith(' ')) {
    return 'start';
  }
  if (name.endsWith('.') || name.endsWith(' ')) {
    return 'end';
  }
  if (WINDOWS_DEVICE.test(name.split('.')[0].replace(/ +$/, ''))) {
    return 'reserved';
  }
  return null;
}
