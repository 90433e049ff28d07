/**
 * Per-row progress: a save or a load that takes over half a second shows a progress bar
 * (role progressbar, aria values) in its row of the list, besides the notification.
 * The model is real: 800 MB of torch weights, which take seconds to write and hash.
 */
import {
  expect,
  newNotebook,
  openPanel,
  panelStore,
  runInKernel,
  shot,
  storeListing,
  test
} from './helpers';

test.use({ autoGoto: true });

interface ISeen {
  label: string;
  now: string | null;
  max: string | null;
  text: string | null;
  inRow: boolean;
}

test('a long save and a long load show their progress in their row', async ({
  page,
  tmpPath
}) => {
  await newNotebook(page, tmpPath, 'progress.ipynb', 'python3', [
    'import torch\nwide = torch.nn.Linear(10000, 20000)'
  ]);
  await page.notebook.runCell(0);
  const panel = await openPanel(page);
  const store = await panelStore(page);
  const name = 'wide model';

  // Record every progress bar the panel shows, however briefly.
  await page.evaluate(() => {
    const seen: ISeen[] = [];
    (window as any).__progressSeen = seen;
    const root = document.getElementById('jupyterlab-models-panel')!;
    new MutationObserver(() => {
      for (const bar of root.querySelectorAll('[role="progressbar"]')) {
        seen.push({
          label: bar.getAttribute('aria-label') ?? '',
          now: bar.getAttribute('aria-valuenow'),
          max: bar.getAttribute('aria-valuemax'),
          text: bar.getAttribute('aria-valuetext'),
          inRow: bar.closest('.jp-Models-item') !== null
        });
      }
    }).observe(root, { subtree: true, childList: true, attributes: true });
  });
  const seen = () =>
    page.evaluate(() => (window as any).__progressSeen as ISeen[]);

  // Save under a new name: a row of its own shows the progress until the model is listed.
  const dialog = page.locator('.jp-Dialog');
  await panel.getByRole('button', { name: 'Save model', exact: true }).click();
  await dialog.getByLabel('Variable').selectOption('wide');
  await dialog.getByLabel('Model name').fill(name);
  await dialog.getByRole('button', { name: 'Save', exact: true }).click();
  const saving = panel.getByRole('progressbar', { name: `Saving ${name}` });
  await expect(saving).toBeVisible();
  await expect(saving).toHaveAttribute('aria-valuemin', '0');
  await expect(saving).toHaveAttribute('aria-valuemax', '100');
  await shot(page, 'save-progress-in-row');
  // The notification says the same meanwhile.
  await expect(page.getByText(`Saving "${name}"…`).first()).toBeVisible();
  await expect(panel.getByRole('option', { name })).toBeVisible({
    timeout: 120000
  });
  await expect(saving).toHaveCount(0);
  const saves = (await seen()).filter(s => s.label === `Saving ${name}`);
  expect(saves.length).toBeGreaterThan(0);
  expect(saves.every(s => s.inRow)).toBe(true);
  // The kernel reported bytes: the bar had values between 0 and 100 with words.
  const measured = saves.filter(s => s.now !== null);
  expect(measured.length).toBeGreaterThan(0);
  for (const s of measured) {
    expect(Number(s.now)).toBeGreaterThanOrEqual(0);
    expect(Number(s.now)).toBeLessThanOrEqual(100);
    expect(s.text).toMatch(/^[\d.]+ [KMG]?B of [\d.]+ [KMG]?B \(\d+%\)$/);
  }
  expect(storeListing(store)).toMatchObject({ [name]: 1 });

  // Load it: the model's own row shows the load's progress.
  await panel.getByRole('option', { name }).click();
  await panel.getByRole('button', { name: 'Load', exact: true }).click();
  await dialog.getByLabel('Variable').fill('wide_2');
  await dialog.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(dialog).toHaveCount(0);
  await expect(panel.locator('.jp-Models-pending')).toHaveCount(0, {
    timeout: 120000
  });
  await expect(panel.locator('.jp-Models-error')).toHaveCount(0);
  await expect
    .poll(async () =>
      (await seen()).filter(s => s.label === `Loading ${name}` && s.inRow)
    )
    .not.toEqual([]);
  expect(
    await runInKernel(
      page,
      1,
      'print("same", bool(torch.equal(wide.weight, wide_2.weight)))'
    )
  ).toContain('same True');
});
