/**
 * Issue #15 in a real JupyterLab: the quickstart's fine-tuning cell makes `base_lm` (a tiny
 * GPT-2 built from a config) and `lora_lm` (a LoRA adapter trained on it for a few steps).
 * Saving the adapter from the Models panel offers to save its base first (it is not in the
 * store); the adapter is stored alone (a few KB) with a reference to the base; loaded back
 * into the kernel, it generates the same tokens as the notebook's adapter.
 */
import * as path from 'path';
import { expect, modelsCli, panelStore, test } from './helpers';

const NOTEBOOK = 'quickstart.ipynb';
const PANEL_ID = 'jupyterlab-models-panel';
/** The quickstart's fine-tuning cell, and its last cell, free for checks run in the kernel. */
const FINETUNE_CELL = 15;
const CHECK_CELL = 17;

test.use({ autoGoto: true });

test('save a LoRA adapter and, as offered, its base from the panel; load it back', async ({
  page,
  tmpPath
}) => {
  await page.contents.uploadFile(
    path.resolve(__dirname, '../../examples', NOTEBOOK),
    `${tmpPath}/${NOTEBOOK}`
  );
  await page.notebook.openByPath(`${tmpPath}/${NOTEBOOK}`);
  await page.notebook.activate(NOTEBOOK);
  // That cell alone (it imports what it needs): the other libraries' cells are models.spec.ts'
  await page.notebook.runCell(FINETUNE_CELL);
  await page.sidebar.openTab(PANEL_ID);
  const panel = page.locator(`#${PANEL_ID}`);
  const dialog = page.locator('.jp-Dialog');
  const store = await panelStore(page);
  await saveAndLoad(page, panel, dialog, store);
});

async function saveAndLoad(
  page: any,
  panel: any,
  dialog: any,
  store: string
): Promise<void> {
  // The adapter first: its base is not in the store, so the panel offers to save it first.
  await panel.getByRole('button', { name: 'Save model', exact: true }).click();
  await dialog.getByLabel('Variable').selectOption('lora_lm');
  await dialog.getByLabel('Model name').fill('tiny-gpt2-lora');
  await dialog.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(dialog).toContainText('Save the base model first?');
  await expect(dialog).toContainText('(GPT2LMHeadModel), which is not in');
  await expect(dialog.getByLabel('Model name')).toHaveValue(
    'tiny-gpt2-lora-base'
  );
  await dialog.getByLabel('Model name').fill('tiny-gpt2');
  await page.screenshot({
    path: test.info().outputPath('offer-to-save-the-base.png')
  });
  await dialog
    .getByRole('button', { name: 'Save base and adapter', exact: true })
    .click();
  for (const name of ['tiny-gpt2', 'tiny-gpt2-lora']) {
    await expect(
      panel.getByRole('option', { name, exact: true })
    ).toBeVisible();
  }
  expect(modelsCli(['info', 'tiny-gpt2', '--store', store]).model.format).toBe(
    'hf_transformers'
  );
  expect(
    modelsCli(['info', 'tiny-gpt2-lora', '--store', store]).model.extra.base
  ).toEqual({ store: { name: 'tiny-gpt2', version: 1 } });
  await expect(panel.locator('.jp-Models-error')).toHaveCount(0);
  const adapter = panel.getByRole('option', { name: 'tiny-gpt2-lora' });
  await expect(adapter).toContainText('peft');
  await expect(adapter).toContainText(/\d+(\.\d)? KB/);
  await adapter.click();
  const details = panel.locator('.jp-Models-details');
  const field = (key: string) => details.locator(`dd[data-field="${key}"]`);
  await expect(field('format')).toHaveText('peft_adapter');
  await expect(field('class')).toHaveText('PeftModelForCausalLM');
  await expect(field('class')).toHaveAttribute(
    'title',
    'peft.peft_model.PeftModelForCausalLM'
  );
  // The adapter alone is stored, as safetensors.
  const files = modelsCli(['info', 'tiny-gpt2-lora', '--store', store]).model
    .files;
  expect(files.map((f: any) => f.path)).toContain('adapter_model.safetensors');
  await page.screenshot({
    path: test.info().outputPath('adapter-details.png')
  });

  await details.getByRole('button', { name: 'Load', exact: true }).click();
  await dialog.getByLabel('Variable').fill('lora_2');
  await dialog.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  await expect(panel.locator('.jp-Models-pending')).toHaveCount(0);
  await expect(panel.locator('.jp-Models-error')).toHaveCount(0);

  const check = [
    'ids = torch.tensor([[1, 5, 7, 9]])',
    'gen = lambda m: m.generate(ids, max_new_tokens=5, do_sample=False, pad_token_id=0).tolist()',
    'print("lora", type(lora_2) is type(lora_lm), gen(lora_2) == gen(lora_lm))'
  ].join('\n');
  await page.notebook.setCell(CHECK_CELL, 'code', check);
  await page.notebook.runCell(CHECK_CELL);
  const printed = (await page.notebook.getCellTextOutput(CHECK_CELL)) ?? [];
  expect(printed.join('')).toContain('lora True True');

  // Deleted from the panel.
  for (const name of ['tiny-gpt2-lora', 'tiny-gpt2']) {
    await panel.getByRole('option', { name, exact: true }).click();
    await panel.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(panel.getByRole('option', { name, exact: true })).toHaveCount(
      0
    );
  }
}
