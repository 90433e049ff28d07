/**
 * The model card in the main area: opened from the list (double-click, Enter, "Open"), with
 * every field, the signature, the versions (show, load, compare two) and the files.
 */
import {
  PANEL_ID,
  expect,
  notebookWithModel,
  openPanel,
  panelStore,
  runInKernel,
  saveThroughPanel,
  shot,
  test
} from './helpers';

test.use({ autoGoto: true });

const NAME = 'card model';

test('a model card shows every field, the signature, the versions and the files', async ({
  page,
  tmpPath
}) => {
  await notebookWithModel(page, tmpPath, 'card.ipynb');
  const panel = await openPanel(page);
  await panelStore(page); // bound to the project store
  await saveThroughPanel(page, 'small_model', NAME, 'first');
  const item = panel.getByRole('option', { name: NAME });
  await expect(item).toContainText('1 version');
  await saveThroughPanel(page, 'small_model', NAME, 'second');
  await expect(item).toContainText('2 versions');

  // The sidebar keeps a compact summary with the signature in one line.
  await item.click();
  const details = panel.locator('.jp-Models-details');
  await expect(details.locator('dd[data-field="signature"]')).toContainText(
    '3 features'
  );

  // Double-click opens the card as a main-area tab.
  await item.dblclick();
  const card = page.locator('#jp-main-dock-panel .jp-Models-card');
  await expect(card.locator('h1')).toHaveText(NAME);
  await expect(
    page.locator('.lm-DockPanel-tabBar .lm-TabBar-tabLabel', {
      hasText: NAME
    })
  ).toBeVisible();
  const field = (key: string) => card.locator(`dd[data-field="${key}"]`);
  await expect(field('version')).toHaveText('2');
  await expect(field('description')).toHaveText('second');
  await expect(field('class')).toHaveText('lightgbm.sklearn.LGBMRegressor');
  await expect(field('variable')).toHaveText('small_model');
  await expect(field('libraries')).toContainText('lightgbm');
  await expect(field('created')).toHaveText(/UTC$/);
  await expect(card.locator('dd[data-signature="n_features"]')).toHaveText('3');
  await expect(card.locator('dd[data-signature="trees"]')).toHaveText('3');
  await expect(card.locator('dd[data-signature="feature_names"]')).toHaveText(
    'Column_0, Column_1, Column_2'
  );
  const files = card.getByRole('table', { name: 'Files' });
  await expect(files.locator('.jp-Models-sha').first()).toHaveText(
    /^[0-9a-f]{64}$/
  );

  // The versions as a table: show version 1, then compare the two side by side.
  const versions = card.getByRole('table', { name: 'Versions' });
  await expect(versions.locator('tbody tr')).toHaveCount(2);
  await versions.getByRole('button', { name: 'Show version 1' }).click();
  await expect(field('version')).toHaveText('1');
  await expect(field('description')).toHaveText('first');
  await versions.getByLabel('Compare version 1').check();
  await versions.getByLabel('Compare version 2').check();
  const comparison = card.getByRole('table', {
    name: 'Version 1 and version 2'
  });
  await expect(
    comparison.locator('tr.jp-mod-different th', { hasText: 'Description' })
  ).toBeVisible();
  await expect(
    comparison.locator('tr.jp-mod-different th', { hasText: /^Library$/ })
  ).toHaveCount(0);
  await shot(page, 'card');

  // "Copy load code" stays on one line.
  const copy = card.getByRole('button', { name: 'Copy load code' });
  await expect(copy).toBeVisible();
  expect((await copy.boundingBox())!.height).toBeLessThan(32);

  // Load version 1 from its row: the kernel gets it.
  await versions
    .locator('tr[data-version="1"]')
    .getByRole('button', { name: 'Load', exact: true })
    .click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText('version 1');
  await dialog.getByLabel('Variable').fill('from_card');
  await dialog.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(dialog).toHaveCount(0);
  await page.notebook.activate('card.ipynb');
  expect(
    await runInKernel(page, 1, 'print(type(from_card).__name__)')
  ).toContain('LGBMRegressor');

  // Enter on the list opens (or shows again) the same card.
  await page.sidebar.openTab(PANEL_ID);
  await panel.getByRole('listbox', { name: 'Models' }).focus();
  await page.keyboard.press('Enter');
  await expect(card.locator('h1')).toHaveText(NAME);
  await expect(page.locator('#jp-main-dock-panel .jp-Models-card')).toHaveCount(
    1
  );
});
