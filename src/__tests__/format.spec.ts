import {
  humanSize,
  loadSnippet,
  shortClass,
  suggestVariable,
  displayDate,
  utcDate,
  versionWarnings
} from '../format';
import { libraryIcon } from '../icons';

describe('format helpers', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KB'],
    [5 * 1024 ** 3, '5.0 GB']
  ])('humanSize(%d) is %s', (bytes, text) => {
    expect(humanSize(bytes)).toBe(text);
  });

  it('shows ISO dates as UTC', () => {
    expect(utcDate('2026-11-26T23:57:39.123Z')).toBe('2026-11-26 23:57:39 UTC');
  });

  it('keeps the class name of a class path', () => {
    expect(shortClass('lightgbm.sklearn.LGBMClassifier')).toBe(
      'LGBMClassifier'
    );
  });

  it.each([
    ['churn classifier', 'churn_classifier'],
    ['2024.model-v1', '_2024_model_v1'],
    ['', 'model']
  ])('suggests a variable for %j', (name, variable) => {
    expect(suggestVariable(name)).toBe(variable);
  });

  it('writes Python that loads the model, quoting what it must', () => {
    expect(loadSnippet('/srv/.jupyterlab-models', 'a "b"', 3)).toBe(
      'from jupyterlab_models import ModelStore\n\n' +
        'model = ModelStore("/srv/.jupyterlab-models").load("a \\"b\\"", version=3)\n'
    );
  });

  it('lets only letters and digits of a library name into its badge', () => {
    const svg = libraryIcon('<img src=x onerror=alert(1)>').svgstr;
    expect(svg).not.toContain('<img');
    expect(svg).toContain('>IM</text>');
  });
});

describe('versionWarnings', () => {
  it('names missing, older and other-major libraries, not equal or newer ones', () => {
    expect(
      versionWarnings(
        {
          lightgbm: '4.7.0',
          torch: '2.13.0+cpu',
          numpy: '2.4.6',
          onnx: '1.23.2',
          xgboost: '3.2.0'
        },
        { lightgbm: '4.7.0', torch: '2.9.1', numpy: '1.26.4', onnx: '1.24.0' }
      )
    ).toEqual([
      { library: 'torch', saved: '2.13.0+cpu', installed: '2.9.1' },
      { library: 'numpy', saved: '2.4.6', installed: '1.26.4' },
      { library: 'xgboost', saved: '3.2.0', installed: null }
    ]);
  });
});

describe('displayDate', () => {
  const iso = '2026-11-28T02:25:39.123Z';

  it('reads day, month, year, hours:minutes and UTC in English', () => {
    expect(displayDate(iso, 'en')).toBe('28 Nov 2026, 02:25 UTC');
    expect(displayDate(iso, 'en-US')).toBe('28 Nov 2026, 02:25 UTC');
  });

  it('is always UTC, whatever the zone of the machine', () => {
    expect(displayDate('2026-11-28T23:59:00Z', 'en')).toBe(
      '28 Nov 2026, 23:59 UTC'
    );
  });

  it('speaks the JupyterLab language', () => {
    const russian = displayDate(iso, 'ru-RU');
    expect(russian).toMatch(/^28 нояб\. 2026( г\.)?,? 02:25 UTC$/);
    expect(displayDate(iso, 'fr_FR')).toMatch(
      /^28 nov\. 2026,? (à )?02:25 UTC$/
    );
  });

  it('falls back to British English for a language it does not know', () => {
    expect(displayDate(iso, 'not a language!')).toBe('28 Nov 2026, 02:25 UTC');
  });
});
