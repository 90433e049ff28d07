/**
 * The same plugin in Jupyter Notebook 7 (`jupyter notebook`, its own server on port 8889):
 * the Models panel opens in the right sidebar of a notebook page, saves a model from the
 * notebook's kernel and loads it back into another variable.
 */
import { expect, Page, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import {
  createNotebook,
  PANEL_ID,
  runCell,
  showModelsFromViewMenu,
  storeListing,
  watchOurErrors
} from '../plain/helpers';

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`) });
}

/** The repository's CLI (else the one on PATH). */
const LOCAL_CLI = path.resolve(__dirname, '../../.venv/bin/jupyter-models');
const CLI = fs.existsSync(LOCAL_CLI) ? LOCAL_CLI : 'jupyter-models';

test('the Models panel saves and loads a model in Notebook 7', async ({
  page,
  request
}) => {
  // The plugin runs in Notebook 7's shell without an error from its own code.
  const errors = watchOurErrors(page);
  const file = `models-${Date.now()}.ipynb`;
  await createNotebook(request, file, [
    [
      'import lightgbm, numpy as np\n' +
        'X = np.random.default_rng(0).normal(size=(60, 3))\n' +
        'nb7_model = lightgbm.LGBMRegressor(n_estimators=3, verbose=-1).fit(X, X[:, 0])',
      'train'
    ],
    [
      'print("same", type(nb7_loaded) is type(nb7_model), bool((nb7_loaded.predict(X) == nb7_model.predict(X)).all()))',
      'check'
    ]
  ]);

  // The Notebook 7 page of that notebook: not JupyterLab's shell.
  await page.goto(`/notebooks/${file}`);
  await expect(page.locator('#main-panel .jp-Notebook')).toBeVisible({
    timeout: 60000
  });
  await expect(page.locator('#jp-main-dock-panel')).toHaveCount(0);

  await showModelsFromViewMenu(page);
  const panel = page.locator(`#jp-right-stack #${PANEL_ID}`);
  await expect(panel).toBeVisible();
  await expect(panel.locator('.jp-Models-notebook')).toHaveText(file);
  const saveButton = panel.getByRole('button', {
    name: 'Save model',
    exact: true
  });
  await expect(saveButton).toBeEnabled();
  const storeNode = panel.locator('.jp-Models-store');
  await expect(storeNode).toHaveText(/\/\.jupyterlab-models$/);
  const store = (await storeNode.textContent())!;
  // The kernel is up (the panel registered its side): train the model.
  await runCell(page, 0, 60000);
  await shot(page, 'notebook7-panel');

  const name = `notebook 7 model ${Date.now()}`;
  const dialog = page.locator('.jp-Dialog');
  await saveButton.click();
  await expect(dialog.getByLabel('Variable')).toHaveValue('nb7_model');
  await dialog.getByLabel('Model name').fill(name);
  await dialog.getByLabel('Description').fill('saved from Notebook 7');
  await shot(page, 'notebook7-save-dialog');
  await dialog.getByRole('button', { name: 'Save', exact: true }).click();
  const row = panel.getByRole('option', { name });
  await expect(row).toBeVisible();
  expect(storeListing(store, CLI)).toMatchObject({ [name]: 1 });

  try {
    await row.click();
    const details = panel.locator('.jp-Models-details');
    await expect(details.locator('dd[data-field="notebook"]')).toHaveText(file);
    await expect(details.locator('dd[data-field="description"]')).toHaveText(
      'saved from Notebook 7'
    );
    await details.getByRole('button', { name: 'Load', exact: true }).click();
    await dialog.getByLabel('Variable').fill('nb7_loaded');
    await dialog.getByRole('button', { name: 'Load', exact: true }).click();
    await expect(dialog).toHaveCount(0);
    await expect(panel.locator('.jp-Models-pending')).toHaveCount(0);
    await expect(panel.locator('.jp-Models-error')).toHaveCount(0);
    await shot(page, 'notebook7-loaded');

    // The kernel has the loaded model, of the same type, with the same predictions.
    expect(await runCell(page, 1, 60000)).toContain('same True True');
  } finally {
    await row.click();
    await panel.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(row).toHaveCount(0);
  }
  expect(storeListing(store, CLI)).not.toHaveProperty(name);
  expect(errors).toEqual([]);
});
