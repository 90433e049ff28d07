import {
  FRONTEND_ERROR_CODES,
  isKernelMessage,
  isProgress,
  KERNEL_ERROR_CODES,
  normalizeModelName,
  validateModelName,
  validateVariableName
} from '../protocol';
import { protocolFixtures, readJson } from './fixtures';

describe('protocol fixtures shared with pytest', () => {
  const fixtures = protocolFixtures();

  it('has the cases both sides test', () => {
    for (const name of [
      'hello',
      'variables',
      'save',
      'list',
      'info',
      'load',
      'delete',
      'error_not_found',
      'error_unknown_op',
      'error_bad_request',
      'error_name_invalid',
      'error_variable_exists'
    ]) {
      expect(fixtures.has(name)).toBe(true);
    }
  });

  it('lists the same error codes as protocol.ts', () => {
    const codes = readJson('protocol/error_codes.json');
    expect([...codes.kernel].sort()).toEqual([...KERNEL_ERROR_CODES].sort());
    expect([...codes.frontend].sort()).toEqual(
      [...FRONTEND_ERROR_CODES].sort()
    );
  });

  it.each([...fixtures.entries()])(
    '%s: every message is well formed and ends with the one reply',
    (name, fixture) => {
      const { messages, request } = fixture;
      expect(messages.length).toBeGreaterThan(0);
      for (const msg of messages) {
        expect(isKernelMessage(msg)).toBe(true);
        expect(msg.id).toBe(request.id);
      }
      const last = messages[messages.length - 1];
      expect(isProgress(last)).toBe(false);
      expect(messages.slice(0, -1).every(isProgress)).toBe(true);
      if (name.startsWith('error_')) {
        expect(last).toMatchObject({ ok: false });
        expect(KERNEL_ERROR_CODES).toContain((last as any).error.code);
      } else {
        expect(last).toMatchObject({ ok: true });
      }
    }
  );

  it('has progress events in the save case', () => {
    const save = fixtures.get('save')!;
    expect(save.messages.filter(isProgress).length).toBeGreaterThan(0);
  });

  it('rejects messages of other shapes', () => {
    expect(isKernelMessage(null)).toBe(false);
    expect(isKernelMessage({ ok: true, result: {} })).toBe(false);
    expect(isKernelMessage({ id: 'a', ok: false, error: 'x' })).toBe(false);
    expect(isKernelMessage({ id: 'a', event: 'progress', done: 1 })).toBe(
      false
    );
  });
});

describe('validateModelName', () => {
  const cases = readJson('names.json');

  it.each(cases.valid as string[])('accepts %j', name => {
    expect(validateModelName(name)).toBeNull();
  });

  // The same first broken rule as jupyterlab_models/names.py (the fixture's reason);
  // the Python-only "type" rule cannot happen to a string.
  it.each(
    (cases.invalid as { name: string; reason: string }[])
      .filter(c => c.reason !== 'type')
      .map(c => [c.name, c.reason])
  )('refuses %j: %s', (name, reason) => {
    expect(validateModelName(name)).toBe(reason);
  });

  it.each(
    (cases.normalized as { name: string; nfc: string }[]).map(c => [
      c.name,
      c.nfc
    ])
  )('normalizes %j to NFC %j', (name, nfc) => {
    expect(normalizeModelName(name)).toBe(nfc);
    expect(validateModelName(normalizeModelName(name))).toBeNull();
  });

  it('counts code points, not UTF-16 units', () => {
    const astral = '\u{10400}'.repeat(128); // 128 letters (Deseret), 256 UTF-16 units
    expect(astral.length).toBe(256);
    expect(validateModelName(astral)).toBeNull();
    expect(validateModelName(astral + 'a')).toBe('length');
  });
});

describe('validateVariableName', () => {
  it.each(['clf', 'clf2', '_x', 'modèle'])('accepts %j', name => {
    expect(validateVariableName(name)).toBeNull();
  });
  it.each([
    ['', 'empty'],
    ['1x', 'identifier'],
    ['a-b', 'identifier'],
    ['a b', 'identifier'],
    ['class', 'keyword'],
    ['None', 'keyword'],
    ['\uff43lf', 'normalization'],
    ['\ufb01t', 'normalization']
  ])('refuses %j: %s', (name, problem) => {
    expect(validateVariableName(name)).toBe(problem);
  });
});
