/**
 * Issue 17, "never stuck": the panel recovers by itself, with no user action, from a kernel
 * change, an interrupt, a dropped websocket, a notebook closed during a request and a dead
 * kernel that comes back; Refresh stays enabled throughout and retries from the start.
 */
import {
  BLOCKING_CELL,
  expect,
  modelsCli,
  notebookWithModel,
  openPanel,
  PANEL_ID,
  panelOnSmallModel,
  panelStore,
  releaseCell,
  runUntilBlocked,
  saveFromAnotherProcess,
  saveThroughPanel,
  shot,
  storeListing,
  test
} from './helpers';

test.use({ autoGoto: true });
// Galata's kernel tracker proxies kernel restarts and answers 201, which JupyterLab takes for
// a failed restart (lifecycle.spec.ts); these tests restart and change kernels.
test.use({
  // eslint-disable-next-line no-empty-pattern
  kernels: async ({}, use) => {
    await use(null);
  }
});

function buttons(panel: any) {
  return {
    save: panel.getByRole('button', { name: 'Save model', exact: true }),
    refresh: panel.getByRole('button', { name: 'Refresh', exact: true })
  };
}

/** Run a JupyterLab command as a menu entry does (not awaited: some open dialogs). */
async function command(page: any, id: string): Promise<void> {
  await page.evaluate((id: string) => {
    void (window as any).jupyterapp.commands.execute(id);
  }, id);
}

/** Kernel > Change Kernel… of the active notebook, to the kernelspec `name`. */
async function changeKernel(page: any, name: string): Promise<string> {
  return page.evaluate(async (name: string) => {
    const context = (window as any).jupyterapp.shell.currentWidget
      .sessionContext;
    await context.changeKernel({ name });
    return context.session.kernel.id;
  }, name);
}

async function kernelPid(page: any, index: number): Promise<number> {
  await page.notebook.setCell(
    index,
    'code',
    'import os; print("pid", os.getpid())'
  );
  await page.notebook.runCell(index);
  const output = ((await page.notebook.getCellTextOutput(index)) ?? []).join(
    ''
  );
  return Number(/pid (\d+)/.exec(output)![1]);
}

/** The store verifies: no half model, nothing unreadable. */
function expectStoreVerifies(store: string): void {
  const verify = modelsCli(['verify', '--store', store]);
  expect(verify.ok).toBe(true);
  expect(verify.bad).toEqual([]);
}

test('a kernel change: the panel follows the new kernel by itself', async ({
  page,
  tmpPath
}) => {
  await notebookWithModel(page, tmpPath, 'change.ipynb');
  const panel = await openPanel(page);
  const store = await panelStore(page);
  const { save, refresh } = buttons(panel);
  await saveThroughPanel(page, 'small_model', 'before the change');
  await expect(
    panel.getByRole('option', { name: 'before the change' })
  ).toBeVisible();

  // Another kernel of the same environment: a new kernel, no variables yet.
  await changeKernel(page, 'python3');
  await expect(save).toBeEnabled();
  await expect(
    panel.getByRole('option', { name: 'before the change' })
  ).toBeVisible();
  await expect(panel.locator('.jp-Models-variable')).toHaveCount(0);

  // A Python without the package: explained, and Refresh still enabled (it retries).
  await changeKernel(page, 'python3-bare');
  const alert = panel.getByRole('alert');
  await expect(alert).toContainText('jupyterlab_models is not installed');
  await expect(save).toBeDisabled();
  await expect(refresh).toBeEnabled();
  await refresh.click();
  await expect(alert).toContainText('jupyterlab_models is not installed');
  await expect(refresh).toBeEnabled();
  await shot(page, 'changed-to-a-bare-kernel');

  // And back: connected with no click, and a save works on the new kernel.
  await changeKernel(page, 'python3');
  await expect(save).toBeEnabled();
  await expect(panel.getByRole('alert')).toHaveCount(0);
  await page.notebook.runCell(0);
  await saveThroughPanel(page, 'small_model', 'after the change');
  await expect(
    panel.getByRole('option', { name: 'after the change' })
  ).toBeVisible();
  await expect(panel.locator('.jp-Models-error')).toHaveCount(0);
  expect(storeListing(store)).toEqual({
    'before the change': 1,
    'after the change': 1
  });
});

test('while a save waits for a cell, browsing works; an interrupt then, or while a save runs: it completes', async ({
  page,
  tmpPath
}) => {
  const { panel, store } = await panelOnSmallModel(
    page,
    tmpPath,
    'interrupt.ipynb',
    [BLOCKING_CELL, '# the kernel pid']
  );
  const { save, refresh } = buttons(panel);
  const waiting = panel.locator('.jp-Models-waiting');

  // Kernel > Interrupt while the save waits: the cell stops, then the save runs.
  await runUntilBlocked(page, 1);
  await saveThroughPanel(page, 'small_model', 'interrupted wait');
  await expect(waiting).toContainText('Waiting for the running cell');
  // Browsing does not wait with it: Refresh lists what another process saved, a model's
  // details open; Save stays disabled while one operation is under way.
  saveFromAnotherProcess(store, 'saved elsewhere');
  await refresh.click();
  await expect(
    panel.getByRole('option', { name: 'saved elsewhere' })
  ).toBeVisible({ timeout: 5000 });
  await panel.getByRole('option', { name: 'saved elsewhere' }).click();
  await expect(panel.locator('.jp-Models-details')).toContainText(
    'saved elsewhere'
  );
  await expect(refresh).toBeEnabled();
  await expect(save).toBeDisabled();
  await expect(waiting).toContainText('Waiting for the running cell');
  await command(page, 'kernelmenu:interrupt');
  await expect(
    page.locator('.jp-Notebook .jp-Cell').nth(1).locator('.jp-OutputArea')
  ).toContainText('KeyboardInterrupt');
  await expect(
    panel.getByRole('option', { name: 'interrupted wait' })
  ).toBeVisible();
  await expect(waiting).toHaveCount(0);
  await expect(panel.locator('.jp-Models-error')).toHaveCount(0);
  await expect(save).toBeEnabled();
  expect(storeListing(store)['interrupted wait']).toBe(1);

  // Kernel > Interrupt while a save runs (seconds of weights): the kernel ignores SIGINT
  // outside a cell, so the save completes; nothing half-saved either way.
  await page.notebook.setCell(
    2,
    'code',
    'import torch\nbig = torch.nn.Linear(10000, 20000)'
  );
  await page.notebook.runCell(2);
  await saveThroughPanel(page, 'big', 'interrupted save');
  await expect(
    panel.getByRole('progressbar', { name: 'Saving interrupted save' })
  ).toBeVisible();
  await command(page, 'kernelmenu:interrupt');
  await expect(
    panel.getByRole('option', { name: 'interrupted save' })
  ).toBeVisible();
  await expect(panel.locator('.jp-Models-error')).toHaveCount(0);
  await expect(save).toBeEnabled();
  expect(storeListing(store)['interrupted save']).toBe(1);
  expectStoreVerifies(store);
  releaseCell(tmpPath); // nothing waits for it any more; do not leave the file behind
});

test('a dropped websocket that reconnects: the panel comes back and lists and saves', async ({
  page,
  tmpPath
}) => {
  const { panel, store } = await panelOnSmallModel(
    page,
    tmpPath,
    'socket.ipynb',
    [BLOCKING_CELL]
  );
  const { save, refresh } = buttons(panel);

  // Close the kernel's websocket as a network drop does: JupyterLab reconnects by itself.
  const dropSocket = async () => {
    const states = await page.evaluate(async () => {
      const kernel = (window as any).jupyterapp.shell.currentWidget
        .sessionContext.session.kernel;
      const seen: string[] = [];
      const done = new Promise<void>(resolve => {
        kernel.connectionStatusChanged.connect((_: any, status: string) => {
          seen.push(status);
          if (status === 'connected') {
            resolve();
          }
        });
      });
      kernel._ws.close();
      await done;
      return seen;
    });
    // It did drop: the connection went down and came back.
    expect(states[0]).toBe('connecting');
    expect(states[states.length - 1]).toBe('connected');
  };

  await dropSocket();
  await expect(save).toBeEnabled();
  await expect(refresh).toBeEnabled();
  saveFromAnotherProcess(store, 'saved elsewhere');
  await refresh.click();
  await expect(
    panel.getByRole('option', { name: 'saved elsewhere' })
  ).toBeVisible();
  await saveThroughPanel(page, 'small_model', 'after the drop');
  await expect(
    panel.getByRole('option', { name: 'after the drop' })
  ).toBeVisible();

  // Dropped while a save waits for a cell: the save still ends when the cell does.
  await runUntilBlocked(page, 1);
  await saveThroughPanel(page, 'small_model', 'waited across the drop');
  const waiting = panel.locator('.jp-Models-waiting');
  await expect(waiting).toBeVisible();
  await dropSocket();
  releaseCell(tmpPath);
  await expect(
    panel.getByRole('option', { name: 'waited across the drop' })
  ).toBeVisible();
  await expect(waiting).toHaveCount(0);
  await expect(panel.locator('.jp-Models-error')).toHaveCount(0);
  expect(storeListing(store)).toMatchObject({
    'after the drop': 1,
    'waited across the drop': 1
  });
});

test('a notebook closed while a save waits: no error left, nothing saved, usable again', async ({
  page,
  tmpPath
}) => {
  const { panel, store } = await panelOnSmallModel(
    page,
    tmpPath,
    'closed.ipynb',
    [BLOCKING_CELL]
  );
  const { save, refresh } = buttons(panel);
  const waiting = panel.locator('.jp-Models-waiting');

  await runUntilBlocked(page, 1);
  await saveThroughPanel(page, 'small_model', 'never saved');
  await expect(waiting).toBeVisible();
  // Close the tab; its kernel goes on running the cell (JupyterLab keeps it by default).
  await page.notebook.close(true);
  await expect(panel).toContainText(
    'Open a notebook to save and load its models.'
  );
  await expect(waiting).toHaveCount(0);
  await expect(panel.locator('.jp-Models-error')).toHaveCount(0);
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  await shot(page, 'notebook-closed-during-a-save');

  // The cell ends with nobody waiting: the dropped save must not run after it.
  releaseCell(tmpPath);
  await page.notebook.openByPath(`${tmpPath}/closed.ipynb`);
  await page.notebook.activate('closed.ipynb');
  await page.sidebar.openTab(PANEL_ID);
  await expect(save).toBeEnabled();
  await expect(refresh).toBeEnabled();
  await expect(panel.getByRole('option', { name: 'never saved' })).toHaveCount(
    0
  );
  expect(storeListing(store)).not.toHaveProperty('never saved');
  expectStoreVerifies(store);
  // Usable again: the same kernel (its variables are still there) saves.
  await saveThroughPanel(page, 'small_model', 'after reopening');
  await expect(
    panel.getByRole('option', { name: 'after reopening' })
  ).toBeVisible();
  expect(storeListing(store)).toEqual({ 'after reopening': 1 });
});

test('a dead kernel that comes back: auto-restart, then a restart by the user', async ({
  page,
  tmpPath
}) => {
  const { panel, store } = await panelOnSmallModel(
    page,
    tmpPath,
    'dead.ipynb',
    ['# the kernel pid']
  );
  const { save, refresh } = buttons(panel);
  await saveThroughPanel(page, 'small_model', 'before the death');
  await expect(
    panel.getByRole('option', { name: 'before the death' })
  ).toBeVisible();

  // Killed with nothing running: the server restarts it, the panel connects by itself.
  process.kill(await kernelPid(page, 1), 'SIGKILL');
  const died = page
    .locator('.jp-Dialog')
    .filter({ hasText: 'appears to have died' });
  await expect(died).toBeVisible();
  await expect(refresh).toBeEnabled();
  await died.getByRole('button').first().click();
  await expect(save).toBeEnabled();
  await expect(
    panel.getByRole('option', { name: 'before the death' })
  ).toBeVisible();
  await expect(panel.locator('.jp-Models-variable')).toHaveCount(0);
  await expect(panel.locator('.jp-Models-error')).toHaveCount(0);

  // Kernel > Restart by the user afterwards: again connected by itself; a save works.
  await page.evaluate(() => {
    const context = (window as any).jupyterapp.shell.currentWidget
      .sessionContext;
    (window as any).restarted = new Promise<void>(resolve =>
      context.statusChanged.connect((_: any, status: string) => {
        if (status === 'restarting') {
          resolve();
        }
      })
    );
  });
  await command(page, 'notebook:restart-kernel');
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText('Restart Kernel?');
  await dialog.locator('.jp-mod-accept').click();
  await page.evaluate(() => (window as any).restarted);
  await expect(save).toBeEnabled();
  await page.notebook.runCell(0);
  await expect(
    panel.locator('.jp-Models-variable[data-name="small_model"]')
  ).toBeVisible();
  await saveThroughPanel(page, 'small_model', 'after the death');
  await expect(
    panel.getByRole('option', { name: 'after the death' })
  ).toBeVisible();
  expect(storeListing(store)).toEqual({
    'before the death': 1,
    'after the death': 1
  });
});
