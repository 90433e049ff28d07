/**
 * Shared by the plain-Playwright specs (tests-notebook/ for Notebook 7, tests-compat/ for
 * every supported release), which cannot use Galata's page helpers: those drive one
 * JupyterLab's shell only.
 */
import { APIRequestContext, expect, Page } from '@playwright/test';
import { execFileSync } from 'child_process';

export const PANEL_ID = 'jupyterlab-models-panel';

/** Names and version counts in `store`, as the `jupyter models` CLI at `cli` sees them. */
export function storeListing(
  store: string,
  cli = 'jupyter-models'
): Record<string, number> {
  return JSON.parse(
    execFileSync(cli, ['list', '--store', store, '--json']).toString()
  ).versions;
}

/** A Python notebook `file` at the server root with these code cells ([source, id]). */
export async function createNotebook(
  request: APIRequestContext,
  file: string,
  cells: [string, string][]
): Promise<void> {
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
        cells: cells.map(([source, id]) => ({
          cell_type: 'code',
          id,
          metadata: {},
          source,
          outputs: [],
          execution_count: null
        }))
      }
    }
  });
  expect(created.ok()).toBe(true);
}

/** Run the notebook's cell `index` with Shift+Enter and return its output once it has run. */
export async function runCell(
  page: Page,
  index: number,
  timeout?: number
): Promise<string> {
  const target = page.locator('.jp-Notebook .jp-Cell').nth(index);
  await target.locator('.jp-InputArea-editor').click();
  await page.keyboard.press('Shift+Enter');
  await expect(target.locator('.jp-InputPrompt')).toHaveText(/\[\d+\]/, {
    timeout
  });
  return (await target.locator('.jp-OutputArea').textContent()) ?? '';
}

/**
 * The errors of our bundle (served under /extensions/jupyterlab-models/) or about it that the
 * page logs or throws, collected from now on; with `versionWarnings`, also webpack's
 * "Unsatisfied version" warnings (a required range that misses the running release).
 */
export function watchOurErrors(page: Page, versionWarnings = false): string[] {
  const problems: string[] = [];
  const ours = (text: string) => text.includes('jupyterlab-models');
  page.on('console', message => {
    const text = message.text();
    if (
      (message.type() === 'error' &&
        (ours(message.location().url) || ours(text))) ||
      (versionWarnings && /Unsatisfied version/.test(text))
    ) {
      problems.push(text);
    }
  });
  page.on('pageerror', error => {
    if (ours(String(error.stack))) {
      problems.push(String(error.stack));
    }
  });
  return problems;
}

/** View > Right Sidebar > Show Models: how Notebook 7 opens the panel. */
export async function showModelsFromViewMenu(page: Page): Promise<void> {
  await page.getByRole('menuitem', { name: 'View', exact: true }).click();
  await page
    .locator('.lm-Menu-itemLabel', { hasText: /^Right Sidebar$/ })
    .hover();
  await page
    .locator('.lm-Menu-itemLabel', { hasText: /^Show Models$/ })
    .click();
}
