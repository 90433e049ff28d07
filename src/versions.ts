/**
 * Library versions compared as pip compares them (PEP 440), for the warnings the details
 * show before a load: the rule of tests/fixtures/versions.json, which pytest checks against
 * the kernel's own rule (formats/versions.py, with `packaging`).
 */

/** A parsed version; each part compares as PEP 440 orders them. */
interface IVersion {
  epoch: number;
  release: number[];
  /** ['a' | 'b' | 'rc', n], or null. */
  pre: [string, number] | null;
  post: number | null;
  dev: number | null;
  local: (number | string)[] | null;
}

const PATTERN =
  /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(alpha|beta|preview|pre|a|b|c|rc)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$/i;

const PRE_NAMES: Record<string, string> = {
  a: 'a',
  alpha: 'a',
  b: 'b',
  beta: 'b',
  c: 'rc',
  rc: 'rc',
  pre: 'rc',
  preview: 'rc'
};

/** A PEP 440 version, or null when it is not one. */
export function parseVersion(text: string): IVersion | null {
  const m = PATTERN.exec(text.trim());
  if (!m) {
    return null;
  }
  const num = (s: string | undefined) => (s === undefined ? 0 : Number(s));
  return {
    epoch: num(m[1]),
    release: m[2].split('.').map(Number),
    pre: m[3] ? [PRE_NAMES[m[3].toLowerCase()], num(m[4])] : null,
    post: m[5] !== undefined ? Number(m[5]) : m[6] ? num(m[7]) : null,
    dev: m[8] ? num(m[9]) : null,
    local: m[10]
      ? m[10]
          .toLowerCase()
          .split(/[-_.]/)
          .map(part => (/^\d+$/.test(part) ? Number(part) : part))
      : null
  };
}

function compareNumbers(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    // Compared, not subtracted: the keys hold infinities (Infinity - Infinity is NaN).
    const [x, y] = [a[i] ?? 0, b[i] ?? 0];
    if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** Sort keys of the pre, post and dev parts, as packaging builds them. */
function keys(v: IVersion): number[] {
  const preRank = { a: 0, b: 1, rc: 2 } as Record<string, number>;
  // A dev release without a pre release sorts before every pre release of its release.
  const pre =
    v.pre !== null
      ? [preRank[v.pre[0]], v.pre[1]]
      : v.post === null && v.dev !== null
        ? [-Infinity, 0]
        : [Infinity, 0];
  const post = v.post !== null ? [v.post] : [-Infinity];
  const dev = v.dev !== null ? [v.dev] : [Infinity];
  return [...pre, ...post, ...dev];
}

function compareLocal(a: IVersion['local'], b: IVersion['local']): number {
  if (a === null || b === null) {
    return a === b ? 0 : a === null ? -1 : 1;
  }
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const [x, y] = [a[i], b[i]];
    if (x === undefined || y === undefined) {
      return x === undefined ? -1 : 1;
    }
    if (typeof x !== typeof y) {
      return typeof x === 'number' ? 1 : -1; // numbers sort after strings
    }
    if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

export function compareVersions(a: IVersion, b: IVersion): number {
  return (
    Math.sign(a.epoch - b.epoch) ||
    compareNumbers(a.release, b.release) ||
    compareNumbers(keys(a), keys(b)) ||
    compareLocal(a.local, b.local)
  );
}

/**
 * "major" (another major version, or a version that cannot be read), "older" (the installed
 * one is older) or null.
 */
export function versionChange(
  saved: string,
  installed: string
): 'major' | 'older' | null {
  const [was, now] = [parseVersion(saved), parseVersion(installed)];
  if (was === null || now === null) {
    return saved === installed ? null : 'major';
  }
  if (was.epoch !== now.epoch || was.release[0] !== now.release[0]) {
    return 'major';
  }
  return compareVersions(now, was) < 0 ? 'older' : null;
}
