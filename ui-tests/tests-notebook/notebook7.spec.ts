/**
 * The same plugin in Jupyter Notebook 7 (`jupyter notebook`, its own server on port 8889):
 * the Models panel opens in the right sidebar of a notebook page, saves a model from the
 * notebook's kernel and loads it back into another variable.
 */
import { expect, Page, test } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const PANEL_ID = 'jupyterlab-models-panel';

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`) });
}

function storeListing(store: string): Record<string, number> {
  const local = path.resolve(__dirname, '../../.venv/bin/jupyter-models');
  const cli = fs.existsSync(local) ? local : 'jupyter-models';
  return JSON.parse(
    execFileSync(cli, ['list', '--store', store, '--json']).toString()
  ).versions;
}

function cell(source: string, id: string) {
  return {
    cell_type: 'code',
    id,
    metadata: {},
    source,
    outputs: [],
    execution_count: null
  };
}

/** Run the notebook's cell `index` with Shift+Enter and wait for its output. */
async function runCell(page: Page, index: number): Promise<string> {
  const target = page.locator('.jp-Notebook .jp-Cell').nth(index);
  await target.locator('.jp-InputArea-editor').click();
  await page.keyboard.press('Shift+Enter');
  await expect(target.locator('.jp-InputPrompt')).toHaveText(/\[\d+\]/, {
    timeout: 60000
  });
  return (await target.locator('.jp-OutputArea').textContent()) ?? '';
}

test('the Models panel saves and loads a model in Notebook 7', async ({
  page,
  request
}) => {
  // The plugin runs in Notebook 7's shell without an error from its own code (the
  // extension's bundle is served under /extensions/jupyterlab-models/).
  const errors: string[] = [];
  const ours = (text: string) =>
    text.includes('/extensions/jupyterlab-models/');
  page.on('console', message => {
    const where = message.location().url;
    if (message.type() === 'error' && (ours(where) || ours(message.text()))) {
      errors.push(message.text());
    }
  });
  page.on('pageerror', error => {
    if (ours(String(error.stack))) {
      errors.push(String(error.stack));
    }
  });
  const file = `models-${Date.now()}.ipynb`;
  const created = await request.put(`/api/contents/${file}`, {
    data: {
      type: 'notebook',
      content: {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {
          kernelspec: {
            name: 'python3',
            display_name: 'Python 3',
            language: 'python'
          }
        },
        cells: [
          cell(
            'import lightgbm, numpy as np\n' +
              'X = np.random.default_rng(0).normal(size=(60, 3))\n' +
              'nb7_model = lightgbm.LGBMRegressor(n_estimators=3, verbose=-1).fit(X, X[:, 0])',
            'train'
          ),
          cell(
            'print("same", type(nb7_loaded) is type(nb7_model), bool((nb7_loaded.predict(X) == nb7_model.predict(X)).all()))',
            'check'
          )
        ]
      }
    }
  });
  expect(created.ok()).toBe(true);

  // The Notebook 7 page of that notebook: not JupyterLab's shell.
  await page.goto(`/notebooks/${file}`);
  await expect(page.locator('#main-panel .jp-Notebook')).toBeVisible({
    timeout: 60000
  });
  await expect(page.locator('#jp-main-dock-panel')).toHaveCount(0);

  // View > Right Sidebar > Show Models.
  await page.getByRole('menuitem', { name: 'View', exact: true }).click();
  await page
    .locator('.lm-Menu-itemLabel', { hasText: /^Right Sidebar$/ })
    .hover();
  await page
    .locator('.lm-Menu-itemLabel', { hasText: /^Show Models$/ })
    .click();
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
  await runCell(page, 0);
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
  expect(storeListing(store)).toMatchObject({ [name]: 1 });

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
    expect(await runCell(page, 1)).toContain('same True True');
  } finally {
    await row.click();
    await panel.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(row).toHaveCount(0);
  }
  expect(storeListing(store)).not.toHaveProperty(name);
  expect(errors).toEqual([]);
});
