/**
 * The foundation's user flow in a real JupyterLab, a real kernel and Chromium:
 * run the quickstart, save `clf` from the Models panel, inspect it, load it into `clf2`
 * (checked in the kernel), delete it.
 */
import * as path from 'path';
import { expect, smallModelCode, test } from './helpers';

const NOTEBOOK = 'quickstart.ipynb';
const PANEL_ID = 'jupyterlab-models-panel';
/** The quickstart's last cell, free for checks run in the kernel. */
const CHECK_CELL = 17;

test.use({ autoGoto: true });

async function shot(page: any, name: string): Promise<void> {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`) });
}

/** Upload the quickstart into this test's folder, open it and run every cell. */
async function runQuickstart(page: any, tmpPath: string): Promise<void> {
  await page.contents.uploadFile(
    path.resolve(__dirname, '../../examples', NOTEBOOK),
    `${tmpPath}/${NOTEBOOK}`
  );
  await page.notebook.openByPath(`${tmpPath}/${NOTEBOOK}`);
  await page.notebook.activate(NOTEBOOK);
  await page.notebook.run();
  await page.sidebar.openTab(PANEL_ID);
}

/** Run Python in the notebook's kernel (in the check cell) and return what it printed. */
async function runInKernel(page: any, code: string): Promise<string> {
  await page.notebook.activate(NOTEBOOK); // a model card may be the active tab
  await page.notebook.setCell(CHECK_CELL, 'code', code);
  await page.notebook.runCell(CHECK_CELL);
  return ((await page.notebook.getCellTextOutput(CHECK_CELL)) ?? []).join('');
}

test('save, inspect, load and delete a LightGBM model from the Models panel', async ({
  page,
  tmpPath
}) => {
  const panel = page.locator(`#${PANEL_ID}`);

  // The tab has its own icon and the tooltip "Models"; without a notebook it says so.
  const tab = page.locator(`.jp-SideBar [data-id="${PANEL_ID}"]`);
  await expect(tab).toHaveAttribute('title', 'Models');
  await page.sidebar.openTab(PANEL_ID);
  await expect(panel).toContainText('Open a notebook');

  await runQuickstart(page, tmpPath);

  // Bound to this notebook and to the store under the server root; the store is empty.
  await expect(panel.locator('.jp-Models-notebook')).toHaveText(
    `${tmpPath}/${NOTEBOOK}`
  );
  await expect(panel.locator('.jp-Models-store')).toHaveText(
    /\/\.jupyterlab-models$/
  );
  await expect(panel).toContainText('No models in this store yet');
  await shot(page, '1-empty-store');

  // Save: the dialog lists clf with its library and class; the name defaults to it.
  await panel.getByRole('button', { name: 'Save model', exact: true }).click();
  const dialog = page.locator('.jp-Dialog');
  const variable = dialog.getByLabel('Variable');
  await expect(variable.locator('option').first()).toHaveText(
    /^base_lm — transformers GPT2LMHeadModel$/
  );
  await variable.selectOption('clf');
  await expect(variable.locator('option:checked')).toHaveText(
    'clf — lightgbm LGBMClassifier'
  );
  const name = dialog.getByLabel('Model name');
  await expect(name).toHaveValue('clf');
  // An invalid name is refused as it is typed.
  await name.fill('../evil');
  await expect(dialog.getByRole('alert')).toContainText('"/" is not allowed');
  await name.fill('churn classifier');
  await expect(dialog.getByRole('alert')).toHaveCount(0);
  await dialog.getByLabel('Description').fill('first try');
  await shot(page, '2-save-dialog');
  await dialog.getByRole('button', { name: 'Save' }).click();

  const item = panel.getByRole('option', { name: 'churn classifier' });
  await expect(item).toBeVisible();
  await expect(item).toContainText('lightgbm');
  await expect(item).toContainText(/\d+(\.\d)? KB/);
  await expect(item.locator('.jp-Models-itemDate')).toHaveAttribute(
    'title',
    /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/
  );

  // Details.
  await item.click();
  const details = panel.locator('.jp-Models-details');
  const field = (key: string) => details.locator(`dd[data-field="${key}"]`);
  await expect(field('name')).toHaveText('churn classifier');
  await expect(field('version')).toHaveText('1');
  await expect(field('description')).toHaveText('first try');
  await expect(field('library')).toHaveText('lightgbm');
  await expect(field('class')).toHaveText('LGBMClassifier');
  await expect(field('class')).toHaveAttribute(
    'title',
    'lightgbm.sklearn.LGBMClassifier'
  );
  await expect(field('format')).toHaveText('lgbm');
  await expect(field('size')).toHaveText(/^\d+ bytes$/);
  await expect(field('notebook')).toHaveText(`${tmpPath}/${NOTEBOOK}`);
  await expect(field('variable')).toHaveText('clf');
  await expect(field('user')).not.toHaveText('');
  await expect(field('created')).toHaveText(/UTC$/);
  // The signature in one line; files and library versions are on the card (card.spec.ts).
  await expect(field('signature')).toContainText('2 classes');
  await shot(page, '3-details');

  // Load: the variable must be an identifier and not a keyword.
  await details.getByRole('button', { name: 'Load', exact: true }).click();
  const target = dialog.getByLabel('Variable');
  await expect(target).toHaveValue('churn_classifier');
  await target.fill('class');
  await expect(dialog.getByRole('alert')).toContainText('keyword');
  await target.fill('1x');
  await expect(dialog.getByRole('alert')).toContainText('not a valid');
  await target.fill('clf2');
  await dialog.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  await expect(panel.locator('.jp-Models-pending')).toHaveCount(0);
  await expect(panel.locator('.jp-Models-error')).toHaveCount(0);

  // The kernel now has clf2, of clf's type, with the same predictions.
  expect(
    await runInKernel(
      page,
      'print("roundtrip", type(clf2) is type(clf), bool((clf2.predict(X) == clf.predict(X)).all()))'
    )
  ).toContain('roundtrip True True');
  await shot(page, '4-loaded');

  // Loading again into clf2 asks before overwriting it; Cancel keeps it.
  await page.sidebar.openTab(PANEL_ID);
  await item.click();
  await details.getByRole('button', { name: 'Load', exact: true }).click();
  await dialog.getByLabel('Variable').fill('clf2');
  await dialog.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.locator('.jp-Dialog')).toContainText('Overwrite "clf2"?');
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Cancel' })
    .click();

  // Saving under the same name makes version 2; the details can show either version.
  await panel.getByRole('button', { name: 'Save model', exact: true }).click();
  await dialog.getByLabel('Variable').selectOption('clf');
  await dialog.getByLabel('Model name').fill('churn classifier');
  await expect(dialog).toContainText('this will be saved as version 2');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(item).toContainText('2 versions');
  await item.click();
  const picker = details.getByLabel('Version shown');
  await expect(picker.locator('option')).toHaveCount(2);
  // At the default sidebar width the picker shows its whole text (a version and its date).
  const { needed, width } = await picker.evaluate(
    (select: HTMLSelectElement) => {
      const style = getComputedStyle(select);
      const context = document.createElement('canvas').getContext('2d')!;
      context.font = `${style.fontSize} ${style.fontFamily}`;
      const text = select.options[select.selectedIndex].text;
      const padding =
        parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
      return {
        needed: context.measureText(text).width + padding,
        width: select.clientWidth
      };
    }
  );
  expect(needed).toBeLessThanOrEqual(width);
  await shot(page, '4b-two-versions');
  await expect(field('version')).toHaveText('2');
  await picker.selectOption('1');
  await expect(field('version')).toHaveText('1');
  await expect(field('description')).toHaveText('first try');
  await picker.selectOption('2');

  // Deleting only version 2 keeps version 1.
  await details.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page.locator('.jp-Dialog')).toContainText('All its 2 versions');
  await page.locator('.jp-Dialog').getByLabel('Only version 2').check();
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Delete', exact: true })
    .click();
  await expect(item).toContainText('1 version');

  // Delete asks for confirmation, then the list is empty again.
  await details.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page.locator('.jp-Dialog')).toContainText('churn classifier');
  await shot(page, '5-delete-confirm');
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Delete', exact: true })
    .click();
  await expect(item).toHaveCount(0);
  await expect(panel).toContainText('No models in this store yet');
  await shot(page, '6-deleted');
});

test('save and load models of three more libraries', async ({
  page,
  tmpPath
}) => {
  await runQuickstart(page, tmpPath);
  const panel = page.locator(`#${PANEL_ID}`);
  const dialog = page.locator('.jp-Dialog');

  // The dialog offers exactly the supported variables (not X or y), with their library.
  await panel.getByRole('button', { name: 'Save model', exact: true }).click();
  const options = dialog.getByLabel('Variable').locator('option');
  await expect(options).toHaveText([
    /^base_lm — transformers GPT2LMHeadModel$/,
    /^cat_clf — catboost /,
    /^clf — lightgbm /,
    /^keras_model — keras /,
    /^lora_lm — peft PeftModelForCausalLM$/,
    /^net — torch /,
    /^onnx_model — onnx /,
    /^pipe — sklearn /,
    /^pool — catboost Pool$/,
    /^tf_module — tensorflow /,
    /^xgb_clf — xgboost /
  ]);
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  const variables = ['xgb_clf', 'net', 'keras_model'];
  for (const variable of variables) {
    await panel
      .getByRole('button', { name: 'Save model', exact: true })
      .click();
    await dialog.getByLabel('Variable').selectOption(variable);
    await expect(dialog.getByLabel('Model name')).toHaveValue(variable);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(panel.getByRole('option', { name: variable })).toBeVisible();
  }
  await shot(page, 'three-libraries-saved');

  // Search (name, description, library) and sort, kept across a reload.
  const rows = panel
    .getByRole('listbox', { name: 'Models' })
    .getByRole('option');
  await expect(rows).toHaveText([/^.*keras_model/, /net/, /xgb_clf/]);
  await panel.locator('.jp-Models-search input').fill('torch');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('aria-label', 'net');
  await panel.locator('.jp-Models-search input').fill('');
  // JupyterLab writes its state to the workspace a moment after a change.
  const workspaceSaved = page.waitForRequest(
    request =>
      request.url().includes('/api/workspaces') && request.method() === 'PUT'
  );
  await panel.getByLabel('Sort by').selectOption('date');
  await expect(rows.first()).toHaveAttribute('aria-label', 'keras_model');
  await workspaceSaved;
  // The restored workspace shows the notebook, not the launcher Galata waits for.
  // Galata's reload takes waitForIsReady; its type declares Playwright's options only.
  await page.reload({ waitForIsReady: false } as Parameters<
    typeof page.reload
  >[0]);
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
  await page.sidebar.openTab(PANEL_ID);
  await expect(panel.getByLabel('Sort by')).toHaveValue('date');
  await expect(rows.first()).toHaveAttribute('aria-label', 'keras_model');
  await panel.getByLabel('Sort by').selectOption('name');

  // Keyboard: Enter opens the card of the first row, arrows move the selection, Delete
  // asks to delete.
  await panel.getByRole('listbox', { name: 'Models' }).focus();
  await page.keyboard.press('Enter');
  await expect(rows.first()).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('.jp-Models-card h1')).toBeVisible();
  await page.sidebar.openTab(PANEL_ID);
  await panel.getByRole('listbox', { name: 'Models' }).focus();
  await page.keyboard.press('ArrowDown');
  await expect(panel.getByRole('option', { name: 'net' })).toHaveAttribute(
    'aria-selected',
    'true'
  );
  await expect(
    panel.locator('.jp-Models-details dd[data-field="name"]')
  ).toHaveText('net');
  await page.keyboard.press('Delete');
  await expect(dialog).toContainText('Delete "net"');
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // The context menu of a row.
  await panel
    .getByRole('option', { name: 'xgb_clf' })
    .click({ button: 'right' });
  const menu = page.locator('.lm-Menu');
  for (const label of [
    'Open',
    'Load model…',
    'Show details',
    'Copy load code',
    'Delete model…'
  ]) {
    await expect(menu.getByText(label, { exact: true })).toBeVisible();
  }
  await page.keyboard.press('Escape');

  for (const variable of variables) {
    await panel.getByRole('option', { name: variable }).click();
    await panel.getByRole('button', { name: 'Load', exact: true }).click();
    await dialog.getByLabel('Variable').fill(`${variable}_2`);
    await dialog.getByRole('button', { name: 'Load', exact: true }).click();
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);
    await expect(panel.locator('.jp-Models-pending')).toHaveCount(0);
    await expect(panel.locator('.jp-Models-error')).toHaveCount(0);
  }
  expect(
    await runInKernel(
      page,
      [
        'same_xgb = type(xgb_clf_2) is type(xgb_clf) and bool((xgb_clf_2.predict(X) == xgb_clf.predict(X)).all())',
        'same_net = bool(torch.allclose(net_2(torch.from_numpy(X)), net(torch.from_numpy(X))))',
        'same_keras = bool(np.allclose(keras_model_2(X), keras_model(X), atol=1e-6))',
        'print("same", same_xgb, same_net, same_keras)'
      ].join('\n')
    )
  ).toContain('same True True True');

  for (const variable of variables) {
    await panel.getByRole('option', { name: variable }).click();
    await panel.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(panel.getByRole('option', { name: variable })).toHaveCount(0);
  }
});

test('save from the cell editor and the debugger context menus, in the dark theme', async ({
  page
}) => {
  const panel = page.locator(`#${PANEL_ID}`);
  const dialog = page.locator('.jp-Dialog');
  // Room for the whole notebook toolbar next to both sidebars: with Notebook 7 installed
  // (its browser test) JupyterLab's toolbar has its "Open in…" button too, and at 1024 px
  // the debugger's button would move into the toolbar's overflow menu.
  await page.setViewportSize({ width: 1440, height: 900 });
  // The test server has other kernels too (lifecycle.spec.ts): ask for Python.
  await page.notebook.createNew('menus.ipynb', { kernel: 'python3' });
  await page.notebook.setCell(0, 'code', smallModelCode('booster_model'));
  await page.notebook.runCell(0);
  await page.notebook.setCell(1, 'code', 'booster_model');
  await page.sidebar.openTab(PANEL_ID);
  await expect(
    panel.getByRole('button', { name: 'Save model', exact: true })
  ).toBeEnabled();

  // An identifier selected in a cell: its context menu saves that variable.
  await page.notebook.enterCellEditingMode(1);
  await page.keyboard.press('Control+A');
  const editor = (await page.notebook.getCellInputLocator(1))!;
  await editor.click({ button: 'right' });
  await page
    .getByRole('menuitem', { name: 'Save "booster_model" as model…' })
    .click();
  await expect(dialog.getByLabel('Variable')).toHaveValue('booster_model');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(
    panel.getByRole('option', { name: 'booster_model' })
  ).toBeVisible();

  // A global in the debugger's Variables panel: its context menu saves it too.
  await page.debugger.switchOn();
  await page.debugger.waitForVariables();
  await page
    .getByRole('treeitem', { name: 'booster_model:' })
    .click({ button: 'right', timeout: 20000 });
  await page.getByRole('menuitem', { name: 'Save as model…' }).click();
  await expect(dialog.getByLabel('Variable')).toHaveValue('booster_model');
  await dialog.getByLabel('Model name').fill('from debugger');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await page.debugger.switchOff();

  // Both themes draw the panel with JupyterLab's variables.
  await page.sidebar.openTab(PANEL_ID);
  await panel.getByRole('option', { name: 'from debugger' }).click();
  await shot(page, 'light-theme');
  await page.theme.setDarkTheme();
  const background = await panel.evaluate(
    node => getComputedStyle(node).backgroundColor
  );
  await expect(
    panel.getByRole('option', { name: 'from debugger' })
  ).toBeVisible();
  await shot(page, 'dark-theme');
  expect(background).not.toBe('rgb(255, 255, 255)');
  await page.theme.setLightTheme();

  for (const name of ['booster_model', 'from debugger']) {
    await panel.getByRole('option', { name }).click();
    await panel.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(panel.getByRole('option', { name })).toHaveCount(0);
  }
});
