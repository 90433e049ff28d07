/** Shared by the Galata specs: the panel, the kernel, and the store seen from the CLI. */
import { expect, test as galataTest } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export { expect };

export const PANEL_ID = 'jupyterlab-models-panel';

/** The server's root (playwright.config.js chooses it) and the project store under it. */
const SERVER_ROOT = process.env.JUPYTERLAB_GALATA_ROOT_DIR!;
export const STORE = path.join(SERVER_ROOT, '.jupyterlab-models');

/**
 * Galata's `test`, where every test starts from an empty store: the specs share one server,
 * and a test that fails half-way must not leave its models to the next ones.
 */
export const test = galataTest.extend<{ emptyStore: void }>({
  emptyStore: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      fs.rmSync(STORE, { recursive: true, force: true });
      await use();
    },
    { auto: true }
  ]
});

export async function shot(page: any, name: string): Promise<void> {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`) });
}

/** The `jupyter models` CLI of the repository's environment (else the one on PATH). */
function cli(): string {
  const local = path.resolve(__dirname, '../../.venv/bin/jupyter-models');
  return fs.existsSync(local) ? local : 'jupyter-models';
}

/** `jupyter models <args> --json` run outside the browser, on the same store. */
export function modelsCli(args: string[]): any {
  return JSON.parse(execFileSync(cli(), [...args, '--json']).toString());
}

/** Names and version counts in the store, as the Python CLI sees it. */
export function storeListing(store: string): Record<string, number> {
  return modelsCli(['list', '--store', store]).versions;
}

/** Save a small LightGBM model as `name` into `store` from a Python outside the browser. */
export function saveFromAnotherProcess(store: string, name: string): void {
  const local = path.resolve(__dirname, '../../.venv/bin/python');
  const python = fs.existsSync(local) ? local : 'python';
  const code =
    'import sys, lightgbm, numpy as np\n' +
    'from jupyterlab_models import ModelStore\n' +
    'X = np.random.default_rng(1).normal(size=(40, 2))\n' +
    'model = lightgbm.LGBMRegressor(n_estimators=2, verbose=-1).fit(X, X[:, 0])\n' +
    'ModelStore(sys.argv[1]).save(model, sys.argv[2])';
  execFileSync(python, ['-c', code, store, name]);
}

/** The store the panel is bound to, once it is connected: the project store. */
export async function panelStore(page: any): Promise<string> {
  const store = page.locator(`#${PANEL_ID} .jp-Models-store`);
  await expect(store).toHaveText(STORE);
  return STORE;
}

/**
 * Write a notebook for `kernel` (a kernelspec name) with these code cells, open it and make it
 * the active one. Written through the contents API rather than File > New, whose kernel
 * dialog picks a kernel of its own when several are installed.
 */
export async function newNotebook(
  page: any,
  dir: string,
  name: string,
  kernel: string,
  cells: string[]
): Promise<void> {
  const languages: Record<string, string> = { bash: 'bash' };
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: {
        name: kernel,
        display_name: kernel,
        language: languages[kernel] ?? 'python'
      }
    },
    cells: cells.map((source, index) => ({
      cell_type: 'code',
      id: `cell-${index}`,
      metadata: {},
      source,
      outputs: [],
      execution_count: null
    }))
  };
  const file = `${dir}/${name}`;
  expect(
    await page.contents.uploadContent(JSON.stringify(notebook), 'text', file)
  ).toBe(true);
  expect(await page.notebook.openByPath(file)).toBe(true);
  await page.notebook.activate(name);
}

/** A new Python notebook whose first cell trains a small LightGBM model into `variable`. */
export async function notebookWithModel(
  page: any,
  dir: string,
  name: string,
  variable = 'small_model'
): Promise<void> {
  await newNotebook(page, dir, name, 'python3', [smallModelCode(variable)]);
  await page.notebook.runCell(0);
}

/**
 * A new Python notebook whose first cell trains `small_model` (run here) and whose next cells
 * are `more` (not run), with the panel open: the panel and its store.
 */
export async function panelOnSmallModel(
  page: any,
  dir: string,
  name: string,
  more: string[]
): Promise<{ panel: any; store: string }> {
  await newNotebook(page, dir, name, 'python3', [
    smallModelCode('small_model'),
    ...more
  ]);
  await page.notebook.runCell(0);
  const panel = await openPanel(page);
  return { panel, store: await panelStore(page) };
}

export function smallModelCode(variable: string): string {
  return (
    'import lightgbm, numpy as np\n' +
    'X = np.random.default_rng(0).normal(size=(60, 3))\n' +
    `${variable} = lightgbm.LGBMRegressor(n_estimators=3, verbose=-1).fit(X, X[:, 0])`
  );
}

/** Run Python in cell `index` of the active notebook and return what it printed. */
export async function runInKernel(
  page: any,
  index: number,
  code: string
): Promise<string> {
  await page.notebook.setCell(index, 'code', code);
  await page.notebook.runCell(index);
  return ((await page.notebook.getCellTextOutput(index)) ?? []).join('');
}

/** The panel, opened, connected to the kernel and showing the list. */
export async function openPanel(page: any): Promise<any> {
  await page.sidebar.openTab(PANEL_ID);
  const panel = page.locator(`#${PANEL_ID}`);
  await expect(
    panel.getByRole('button', { name: 'Save model', exact: true })
  ).toBeEnabled();
  return panel;
}

/** Save `variable` as `name` through the panel's Save dialog. */
export async function saveThroughPanel(
  page: any,
  variable: string,
  name: string,
  description = ''
): Promise<void> {
  const panel = page.locator(`#${PANEL_ID}`);
  const dialog = page.locator('.jp-Dialog');
  await panel.getByRole('button', { name: 'Save model', exact: true }).click();
  await dialog.getByLabel('Variable').selectOption(variable);
  await dialog.getByLabel('Model name').fill(name);
  if (description) {
    await dialog.getByLabel('Description').fill(description);
  }
  await dialog.getByRole('button', { name: 'Save', exact: true }).click();
}

/**
 * A cell that runs until the test calls `releaseCell` (at most 2 minutes), then removes the
 * release file: a "long" cell whose end the test decides, however slow the machine. It prints
 * "blocking" when it starts (`runUntilBlocked`).
 */
export const BLOCKING_CELL =
  'print("blocking", flush=True)\n' +
  'import os, time\n' +
  'started = time.monotonic()\n' +
  "while not os.path.exists('release') and time.monotonic() - started < 120:\n" +
  '    time.sleep(0.05)\n' +
  "if os.path.exists('release'):\n" +
  "    os.remove('release')";

/** Let the BLOCKING_CELL of the notebook in `dir` (a Galata tmpPath) end. */
export function releaseCell(dir: string): void {
  fs.writeFileSync(path.join(SERVER_ROOT, dir, 'release'), '');
}

/**
 * Run All, and wait until cell `index` (a BLOCKING_CELL) really runs: its "[*]" prompt says
 * only that it is queued, and Run All queues it behind the cells before it, between which a
 * waiting save or load may still run.
 */
export async function runUntilBlocked(page: any, index: number): Promise<void> {
  await page.evaluate(() => {
    void (window as any).jupyterapp.commands.execute('notebook:run-all-cells');
  });
  const cell = page.locator('.jp-Notebook .jp-Cell').nth(index);
  await expect(cell.locator('.jp-OutputArea')).toContainText('blocking');
  await expect(cell.locator('.jp-InputPrompt')).toHaveText('[*]:');
}
