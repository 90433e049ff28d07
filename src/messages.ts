/**
 * The validation rules of protocol.ts in the user's language. The rules stay in one place
 * (protocol.ts returns which rule a name breaks); only the words live here.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { BridgeError, BridgeSetupError } from './bridge';
import {
  codePointCount,
  ModelNameProblem,
  NAME_MAX_LENGTH,
  VariableNameProblem
} from './protocol';

/** The first character a model name may not contain, shown as itself or as U+XXXX. */
export function firstForbiddenCharacter(name: string): string {
  for (const char of name) {
    if (!/[\p{L}\p{N}\p{M} ._-]/u.test(char)) {
      // Symbols and punctuation are readable; controls, format (bidi) and space marks are not.
      return /[\p{P}\p{S}]/u.test(char)
        ? `"${char}"`
        : 'U+' +
            char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    }
  }
  return '';
}

export function modelNameMessage(
  problem: ModelNameProblem,
  name: string,
  trans: TranslationBundle
): string {
  switch (problem) {
    case 'empty':
      return trans.__('A model name is required.');
    case 'character':
      return trans.__(
        'A model name may contain letters and digits of any language, "-", "_", "." and spaces; %1 is not allowed.',
        firstForbiddenCharacter(name)
      );
    case 'length':
      return trans.__(
        'A model name has at most %1 characters; this one has %2.',
        NAME_MAX_LENGTH,
        codePointCount(name)
      );
    case 'start':
      return trans.__('A model name may not start with "." or a space.');
    case 'end':
      return trans.__('A model name may not end with "." or a space.');
    case 'reserved':
      return trans.__(
        'A model name may not be a Windows device name (CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9), with or without an extension.'
      );
  }
}

export function variableNameMessage(
  problem: VariableNameProblem,
  name: string,
  trans: TranslationBundle
): string {
  switch (problem) {
    case 'empty':
      return trans.__('A variable name is required.');
    case 'identifier':
      return trans.__('"%1" is not a valid Python identifier.', name);
    case 'keyword':
      return trans.__('"%1" is a Python keyword.', name);
    case 'normalization':
      return trans.__(
        '"%1" is not written as Python reads it: in code it is "%2".',
        name,
        name.normalize('NFKC')
      );
  }
}

/**
 * A failed operation in words, with its stable code. The bridge's own errors are worded here,
 * in the user's language; the kernel's come with the kernel's message.
 */
export function errorMessage(
  reason: unknown,
  trans: TranslationBundle
): string {
  if (reason instanceof BridgeError) {
    return trans.__('%1 (%2)', bridgeText(reason, trans), reason.code);
  }
  if (reason instanceof Error) {
    return reason.message;
  }
  return String(reason);
}

function bridgeText(error: BridgeError, trans: TranslationBundle): string {
  const local = error.local;
  switch (local?.why) {
    case 'not-connected':
      return trans.__('No Python kernel is connected.');
    case 'closed':
      return trans.__('The kernel connection was closed.');
    case 'stopped':
      return local.status === 'dead'
        ? trans.__('The kernel died before it answered.')
        : trans.__('The kernel stopped (%1) before it answered.', local.status);
    case 'timeout':
      return trans.__(
        'The kernel did not answer "%1" within %2 s. It may be busy running a cell; try again when it is idle.',
        local.op,
        local.seconds
      );
    default:
      return error.message;
  }
}

/** Why the panel could not start in the kernel, in the user's language. */
export function setupMessage(
  reason: unknown,
  trans: TranslationBundle
): string {
  const detail = reason instanceof BridgeSetupError ? reason.detail : undefined;
  switch (detail?.why) {
    case 'exception':
      // The kernel's own exception, as it raised it.
      return trans.__(
        'Could not start jupyterlab_models in the kernel: %1: %2',
        detail.ename,
        detail.evalue
      );
    case 'no-reply':
      return trans.__('The kernel did not start jupyterlab_models.');
    case 'protocol':
      return trans.__(
        'The kernel speaks protocol %1, this panel %2: install the same jupyterlab-models version in JupyterLab and in the kernel.',
        detail.kernel,
        detail.panel
      );
    default:
      return errorMessage(reason, trans);
  }
}
