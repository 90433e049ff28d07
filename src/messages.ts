/**
 * The validation rules of protocol.ts in the user's language. The rules stay in one place
 * (protocol.ts returns which rule a name breaks); only the words live here.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import {
  ModelNameProblem,
  NAME_MAX_LENGTH,
  VariableNameProblem
} from './protocol';

/** The first character a model name may not contain, shown as itself or as U+XXXX. */
export function firstForbiddenCharacter(name: string): string {
  for (const char of name) {
    if (!/[A-Za-z0-9 ._-]/.test(char)) {
      // Letters and symbols are readable; controls, format (bidi) and space marks are not.
      return /[\p{L}\p{N}\p{P}\p{S}]/u.test(char)
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
        'A model name may contain only letters, digits, "-", "_", "." and spaces (ASCII); %1 is not allowed.',
        firstForbiddenCharacter(name)
      );
    case 'length':
      return trans.__(
        'A model name has at most %1 characters; this one has %2.',
        NAME_MAX_LENGTH,
        name.length
      );
    case 'start':
      return trans.__('A model name may not start with "." or a space.');
    case 'end':
      return trans.__('A model name may not end with "." or a space.');
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
  }
}
