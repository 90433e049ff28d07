import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { BridgeError, BridgeSetupError } from '../bridge';
import {
  errorMessage,
  firstForbiddenCharacter,
  modelNameMessage,
  setupMessage,
  variableNameMessage
} from '../messages';
import { validateModelName, validateVariableName } from '../protocol';

const trans = nullTranslator.load('jupyterlab_models');

/** A bundle that marks every string it translates, to prove each message goes through it. */
const marking: TranslationBundle = {
  ...trans,
  __: (msgid: string, ...args: any[]) => `«${trans.__(msgid, ...args)}»`
} as TranslationBundle;

function modelMessage(name: string, bundle = trans): string {
  return modelNameMessage(validateModelName(name)!, name, bundle);
}

function variableMessage(name: string, bundle = trans): string {
  return variableNameMessage(validateVariableName(name)!, name, bundle);
}

describe('model name messages', () => {
  it.each([
    ['', 'A model name is required.'],
    ['..', 'A model name may not start with "." or a space.'],
    ['.hidden', 'A model name may not start with "." or a space.'],
    ['trailing.', 'A model name may not end with "." or a space.'],
    ['a/b', 'any language, "-", "_", "." and spaces; "/" is not allowed.'],
    ['a\u202eb', 'spaces; U+202E is not allowed.'],
    ['a\0b', 'spaces; U+0000 is not allowed.'],
    ['emoji 🙂', 'spaces; "🙂" is not allowed.'],
    ['x'.repeat(300), 'at most 128 characters; this one has 300.'],
    ['я'.repeat(129), 'at most 128 characters; this one has 129.'],
    ['nul.txt', 'may not be a Windows device name']
  ])('%j', (name, expected) => {
    expect(modelMessage(name)).toContain(expected);
  });

  it('goes through the translation bundle', () => {
    for (const name of ['', '..', 'a/b', 'x'.repeat(300), 'end ']) {
      expect(modelMessage(name, marking)).toMatch(/^«.*»$/);
    }
  });

  it('names the first forbidden character', () => {
    expect(firstForbiddenCharacter('ok name')).toBe('');
    expect(firstForbiddenCharacter('Модель é')).toBe('');
    expect(firstForbiddenCharacter('a*b')).toBe('"*"');
    expect(firstForbiddenCharacter('a\tb')).toBe('U+0009');
  });
});

describe('variable name messages', () => {
  it.each([
    ['', 'A variable name is required.'],
    ['1x', '"1x" is not a valid Python identifier.'],
    ['a-b', '"a-b" is not a valid Python identifier.'],
    ['lambda', '"lambda" is a Python keyword.'],
    [
      '\uff43lf',
      '"\uff43lf" is not written as Python reads it: in code it is "clf".'
    ]
  ])('%j', (name, expected) => {
    expect(variableMessage(name)).toBe(expected);
    expect(variableMessage(name, marking)).toBe(`«${expected}»`);
  });
});

describe('error messages', () => {
  it('words the bridge errors through the bundle, with the code', () => {
    const cases: [BridgeError, string][] = [
      [
        new BridgeError(
          'timeout',
          'x',
          {},
          {
            why: 'timeout',
            op: 'save',
            seconds: 60
          }
        ),
        'The kernel did not answer "save" within 60 s. It may be busy running a cell; try again when it is idle.'
      ],
      [
        new BridgeError(
          'kernel_unavailable',
          'x',
          {},
          {
            why: 'stopped',
            status: 'autorestarting'
          }
        ),
        'The kernel stopped (autorestarting) before it answered.'
      ],
      [
        new BridgeError(
          'kernel_unavailable',
          'x',
          {},
          {
            why: 'stopped',
            status: 'dead'
          }
        ),
        'The kernel died before it answered.'
      ],
      [
        new BridgeError('kernel_unavailable', 'x', {}, { why: 'closed' }),
        'The kernel connection was closed.'
      ]
    ];
    for (const [error, text] of cases) {
      expect(errorMessage(error, trans)).toBe(`${text} (${error.code})`);
      expect(errorMessage(error, marking)).toBe(`««${text}» (${error.code})»`);
    }
  });

  it("keeps the kernel's own message", () => {
    const error = new BridgeError('not_found', "no model named 'x'");
    expect(errorMessage(error, trans)).toBe("no model named 'x' (not_found)");
  });
});

describe('setupMessage', () => {
  it('words each failed start from its details, not from the English message', () => {
    const failed = (detail: any) =>
      new BridgeSetupError('failed', 'English text', '', detail);
    expect(
      setupMessage(
        failed({ why: 'exception', ename: 'RuntimeError', evalue: 'x' }),
        trans
      )
    ).toBe('Could not start jupyterlab_models in the kernel: RuntimeError: x');
    expect(setupMessage(failed({ why: 'no-reply' }), trans)).toBe(
      'The kernel did not start jupyterlab_models.'
    );
    expect(
      setupMessage(failed({ why: 'protocol', kernel: 3, panel: 2 }), trans)
    ).toContain('protocol 3, this panel 2');
  });
});
