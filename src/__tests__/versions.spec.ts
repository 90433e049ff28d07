import { versionWarnings } from '../format';
import { parseVersion, versionChange } from '../versions';
import { readJson } from './fixtures';

describe('the library-version rule (tests/fixtures/versions.json, shared with pytest)', () => {
  const cases: { saved: string; installed: string; warning: string | null }[] =
    readJson('versions.json').cases;

  it.each(cases)(
    'saved $saved, installed $installed: $warning',
    ({ saved, installed, warning }) => {
      expect(versionChange(saved, installed)).toBe(warning);
    }
  );

  it('reads PEP 440 versions and refuses other text', () => {
    expect(parseVersion('1!2.0rc1.post2.dev3+cpu.1')).toEqual({
      epoch: 1,
      release: [2, 0],
      pre: ['rc', 1],
      post: 2,
      dev: 3,
      local: ['cpu', 1]
    });
    expect(parseVersion('not a version')).toBeNull();
  });

  it('warns about each library the kernel lacks, has older or of another major version', () => {
    expect(
      versionWarnings(
        { lightgbm: '4.7.0', numpy: '2.4.6', torch: '2.13.0', sklearn: '1.9' },
        { lightgbm: '4.6.0', numpy: '3.0.0', torch: '2.13.0+cpu' }
      )
    ).toEqual([
      { library: 'lightgbm', saved: '4.7.0', installed: '4.6.0' },
      { library: 'numpy', saved: '2.4.6', installed: '3.0.0' },
      { library: 'sklearn', saved: '1.9', installed: null }
    ]);
  });
});
