/**
 * Issue 7's UI rows: hostile text is shown as text, and every bad input the panel can be given
 * (model names in the Save dialog, variable names in the Load dialog, an existing variable)
 * gets its own message and changes nothing: not the store (read with the Python CLI), not
 * the kernel.
 */
import {
  expect,
  notebookWithModel,
  openPanel,
  panelStore,
  runInKernel,
  saveThroughPanel,
  shot,
  storeListing,
  test
} from './helpers';

test.use({ autoGoto: true });

const HOSTILE = '<img src=x onerror="window.__pwned=1">';
/** Valid, but odd: spaces, dots, dashes and underscores wherever the rule allows them. */
const ODD_NAME = 'O_o -- v1..0 __ final-';

/** The kernel's user variables, printed in a stable order. */
const USER_VARIABLES =
  "print(sorted(k for k in globals() if not k.startswith('_') and k not in ('In', 'Out', 'exit', 'quit', 'get_ipython')))";

test('a hostile description and an odd name are shown as text; nothing runs', async ({
  page,
  tmpPath
}) => {
  await notebookWithModel(page, tmpPath, 'hostile.ipynb');
  const panel = await openPanel(page);
  const store = await panelStore(page);
  await saveThroughPanel(page, 'small_model', ODD_NAME, HOSTILE);
  const row = panel.getByRole('option', { name: ODD_NAME });
  await expect(row).toBeVisible();
  await expect(row.locator('.jp-Models-itemName')).toHaveText(ODD_NAME);
  await row.click();

  const details = panel.locator('.jp-Models-details');
  await expect(details.locator('dd[data-field="name"]')).toHaveText(ODD_NAME);
  await expect(details.locator('dd[data-field="description"]')).toHaveText(
    HOSTILE
  );
  // The markup is text: no element was made of it, and its handler never ran.
  await expect(panel.locator('img')).toHaveCount(0);
  // The search matches the description as text too.
  await panel.locator('.jp-Models-search input').fill('onerror=');
  await expect(
    panel.getByRole('listbox', { name: 'Models' }).getByRole('option')
  ).toHaveText([new RegExp(ODD_NAME.replace(/[.]/g, '\\.'))]);
  await shot(page, 'hostile-description');
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();

  // The store has the model under exactly that name, with that description.
  expect(storeListing(store)).toMatchObject({ [ODD_NAME]: 1 });
});

test('invalid model names in the Save dialog each say why and save nothing', async ({
  page,
  tmpPath
}) => {
  await notebookWithModel(page, tmpPath, 'names.ipynb');
  const panel = await openPanel(page);
  const store = await panelStore(page);
  const before = storeListing(store);
  const dialog = page.locator('.jp-Dialog');
  const cases: [string, string, string][] = [
    ['empty', '', 'A model name is required.'],
    ['dot-dot', '..', 'A model name may not start with "." or a space.'],
    ['slash', 'a/b', '"/" is not allowed.'],
    ['leading-dot', '.hidden', 'may not start with "." or a space.'],
    [
      '300-characters',
      'm'.repeat(300),
      'A model name has at most 128 characters; this one has 300.'
    ],
    ['bidi', 'safe\u202Egnp.exe', 'U+202E is not allowed.'],
    ['trailing-space', 'model ', 'may not end with "." or a space.'],
    ['emoji', 'модель 🙂', '"🙂" is not allowed.'],
    ['windows-device', 'nul.txt', 'may not be a Windows device name'],
    [
      '129-cyrillic-letters',
      'я'.repeat(129),
      'A model name has at most 128 characters; this one has 129.'
    ]
  ];

  await panel.getByRole('button', { name: 'Save model', exact: true }).click();
  for (const [label, name, message] of cases) {
    const field = dialog.getByLabel('Model name');
    await field.fill(name);
    await expect(dialog.getByRole('alert')).toContainText(message);
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await shot(page, `save-name-${label}`);
    // Save does not save: the dialog comes back with the name and the reason.
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(dialog.getByLabel('Model name')).toHaveValue(name);
    await expect(dialog.getByRole('alert')).toContainText(message);
  }
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);

  // Nothing reached the store, and the panel reports no failed operation.
  expect(storeListing(store)).toEqual(before);
  await expect(panel.locator('.jp-Models-error')).toHaveCount(0);
});

test('a model named in Russian is saved, listed, shown, loaded and seen by the CLI', async ({
  page,
  tmpPath
}) => {
  const NAME = 'Модель оттока 1'; // Cyrillic letters, a digit, spaces
  await notebookWithModel(page, tmpPath, 'russian.ipynb');
  const panel = await openPanel(page);
  const store = await panelStore(page);
  // Typed in NFD (as some keyboards and pasted text give it): stored in NFC.
  await saveThroughPanel(
    page,
    'small_model',
    NAME.normalize('NFD'),
    'первая модель'
  );
  const item = panel.getByRole('option', { name: NAME });
  await expect(item).toBeVisible();
  await item.click();
  const details = panel.locator('.jp-Models-details');
  await expect(details.locator('dd[data-field="name"]')).toHaveText(NAME);
  await expect(details.locator('dd[data-field="description"]')).toHaveText(
    'первая модель'
  );
  await shot(page, 'russian-name');
  expect(storeListing(store)).toMatchObject({ [NAME]: 1 });

  await details.getByRole('button', { name: 'Load', exact: true }).click();
  const dialog = page.locator('.jp-Dialog');
  await dialog.getByLabel('Variable').fill('модель');
  await dialog.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(dialog).toHaveCount(0);
  expect(await runInKernel(page, 1, 'print(type(модель).__name__)')).toContain(
    'LGBMRegressor'
  );
});

test('invalid variable names in the Load dialog each say why; an existing variable is asked about', async ({
  page,
  tmpPath
}) => {
  await notebookWithModel(page, tmpPath, 'variables.ipynb');
  const panel = await openPanel(page);
  const store = await panelStore(page);
  const dialog = page.locator('.jp-Dialog');
  const name = 'load target';
  await saveThroughPanel(page, 'small_model', name);
  await panel.getByRole('option', { name }).click();
  const variablesBefore = await runInKernel(page, 1, USER_VARIABLES);
  const identity = await runInKernel(page, 2, 'print(id(small_model))');
  const listingBefore = storeListing(store);

  await panel.getByRole('button', { name: 'Load', exact: true }).click();
  const cases: [string, string][] = [
    ['class', '"class" is a Python keyword.'],
    ['1x', '"1x" is not a valid Python identifier.'],
    ['a-b', '"a-b" is not a valid Python identifier.'],
    ['', 'A variable name is required.']
  ];
  for (const [variable, message] of cases) {
    const field = dialog.getByLabel('Variable');
    await field.fill(variable);
    await expect(dialog.getByRole('alert')).toHaveText(message);
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await shot(page, `load-variable-${variable || 'empty'}`);
    await dialog.getByRole('button', { name: 'Load', exact: true }).click();
    await expect(dialog.getByLabel('Variable')).toHaveValue(variable);
    await expect(dialog.getByRole('alert')).toHaveText(message);
  }

  // An existing variable: the panel asks first; Cancel keeps it as it was.
  await dialog.getByLabel('Variable').fill('small_model');
  await expect(dialog.getByRole('alert')).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(dialog).toContainText('Overwrite "small_model"?');
  await expect(dialog).toContainText(
    'The notebook already has a variable "small_model"'
  );
  await shot(page, 'load-overwrite-question');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(panel.locator('.jp-Models-error')).toHaveCount(0);

  // Nothing changed: the same variables, the same object, the same store.
  expect(await runInKernel(page, 1, USER_VARIABLES)).toBe(variablesBefore);
  expect(await runInKernel(page, 2, 'print(id(small_model))')).toBe(identity);
  expect(storeListing(store)).toEqual(listingBefore);

  // Confirming the question replaces it with the stored model.
  await page.sidebar.openTab('jupyterlab-models-panel');
  await panel.getByRole('option', { name }).click();
  await panel.getByRole('button', { name: 'Load', exact: true }).click();
  await dialog.getByLabel('Variable').fill('small_model');
  await dialog.getByRole('button', { name: 'Load', exact: true }).click();
  await dialog.getByRole('button', { name: 'Overwrite' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(panel.locator('.jp-Models-pending')).toHaveCount(0);
  await expect(panel.locator('.jp-Models-error')).toHaveCount(0);
  expect(await runInKernel(page, 2, 'print(id(small_model))')).not.toBe(
    identity
  );
});
