/**
 * Compatibility smoke test: in the JupyterLab or Jupyter Notebook release under test (a fresh
 * venv with that release and the built wheel, scripts/check-compat.sh), the extension loads
 * without a version warning, and the Models tab saves, lists, loads and deletes a model.
 */
import { expect, Page, test } from '@playwright/test';
import {
  createNotebook,
  PANEL_ID,
  runCell,
  showModelsFromViewMenu,
  storeListing,
  watchOurErrors
} from '../plain/helpers';

const UI = process.env.COMPAT_UI || 'lab';

/** Open the Models tab: a click on its sidebar tab in JupyterLab, the View menu in Notebook. */
async function openModels(page: Page): Promise<void> {
  if (UI === 'lab') {
    await page.locator(`.jp-SideBar [data-id="${PANEL_ID}"]`).click();
    return;
  }
  await showModelsFromViewMenu(page);
}

test('the Models tab saves, lists, loads and deletes a model', async ({
  page,
  request
}) => {
  const problems = watchOurErrors(page, true);
  const file = `compat-${Date.now()}.ipynb`;
  await createNotebook(request, file, [
    [
      // A Booster: LightGBM without scikit-learn, the fastest model library to install.
      'import lightgbm, numpy as np\n' +
        'X = np.random.default_rng(0).normal(size=(60, 3))\n' +
        'compat_model = lightgbm.train({"verbose": -1}, lightgbm.Dataset(X, X[:, 0]), num_boost_round=3)',
      'train'
    ],
    [
      'print("same", type(compat_loaded) is type(compat_model), bool((compat_loaded.predict(X) == compat_model.predict(X)).all()))',
      'check'
    ]
  ]);

  await page.goto(UI === 'lab' ? `/lab/tree/${file}` : `/notebooks/${file}`);
  await expect(page.locator('.jp-Notebook .jp-Cell').first()).toBeVisible();
  const panel = page.locator(`#${PANEL_ID}`);
  await expect(panel).toBeHidden();
  await openModels(page);
  await expect(panel).toBeVisible();
  await expect(panel.locator('.jp-Models-notebook')).toHaveText(file);
  const storeNode = panel.locator('.jp-Models-store');
  await expect(storeNode).toHaveText(/\/\.jupyterlab-models$/);
  const store = (await storeNode.textContent())!;
  await runCell(page, 0);

  // Save.
  const name = `compat ${UI} ${Date.now()}`;
  const dialog = page.locator('.jp-Dialog');
  await panel.getByRole('button', { name: 'Save model', exact: true }).click();
  await expect(dialog.getByLabel('Variable')).toHaveValue('compat_model');
  await dialog.getByLabel('Model name').fill(name);
  await dialog.getByRole('button', { name: 'Save', exact: true }).click();

  // Listed, in the panel and by the CLI of the same venv.
  const row = panel.getByRole('option', { name });
  await expect(row).toBeVisible();
  expect(storeListing(store)).toMatchObject({ [name]: 1 });
  await page.screenshot({ path: test.info().outputPath('listed.png') });

  // Load into another variable; the kernel has the same model.
  await row.click();
  const details = panel.locator('.jp-Models-details');
  await details.getByRole('button', { name: 'Load', exact: true }).click();
  await dialog.getByLabel('Variable').fill('compat_loaded');
  await dialog.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(dialog).toHaveCount(0);
  await expect(panel.locator('.jp-Models-error')).toHaveCount(0);
  expect(await runCell(page, 1)).toContain('same True True');

  // Delete, confirmed; gone from the panel and the store.
  await row.click();
  await panel.getByRole('button', { name: 'Delete', exact: true }).click();
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(row).toHaveCount(0);
  expect(storeListing(store)).not.toHaveProperty(name);
  expect(problems).toEqual([]);
});
