/** Plain formatting helpers shared by the views. */
import { versionChange } from './versions';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB" (powers of 1024, one decimal above bytes). */
export function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** "2026-11-26T23:57:39.123456Z" → "2026-11-26 23:57:39 UTC". */
export function utcDate(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

/**
 * A stored UTC time as people read it, in their JupyterLab language: day, month, year,
 * hours:minutes, always UTC and saying so ("28 Nov 2026, 02:25 UTC"; "28 нояб. 2026 г.,
 * 02:25 UTC"). English gets the day-month-year order of British English.
 */
export function displayDate(iso: string, locale = 'en'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  const language = locale.replace('_', '-');
  const options: Intl.DateTimeFormatOptions = {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'UTC'
  };
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat(
      /^en(-US)?$/i.test(language) ? 'en-GB' : language,
      options
    );
  } catch {
    format = new Intl.DateTimeFormat('en-GB', options); // an unknown language code
  }
  return `${format.format(date)} UTC`;
}

/** Last part of a dotted class path: "lightgbm.sklearn.LGBMClassifier" → "LGBMClassifier". */
export function shortClass(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

/** A model name turned into a Python identifier to suggest as the load target. */
export function suggestVariable(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned || 'model';
}

/** Python that loads a stored model with ModelStore, outside JupyterLab. */
export function loadSnippet(
  store: string,
  name: string,
  version: number
): string {
  // JSON string literals are valid Python string literals.
  return [
    'from jupyterlab_models import ModelStore',
    '',
    `model = ModelStore(${JSON.stringify(store)}).load(${JSON.stringify(name)}, version=${version})`,
    ''
  ].join('\n');
}

/**
 * Warnings for the libraries a model was saved with that the kernel lacks, has in another
 * major version, or has in an older version (versions.ts: the kernel's rule).
 */
export function versionWarnings(
  saved: Record<string, string>,
  installed: Record<string, string>
): { library: string; saved: string; installed: string | null }[] {
  const warnings = [];
  for (const [library, version] of Object.entries(saved)) {
    const current = installed[library] ?? null;
    if (current === version) {
      continue;
    }
    if (current === null) {
      warnings.push({ library, saved: version, installed: null });
      continue;
    }
    if (versionChange(version, current) !== null) {
      warnings.push({ library, saved: version, installed: current });
    }
  }
  return warnings;
}
