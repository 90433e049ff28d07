/**
 * A list longer than its scroller: only the rows in view are in the DOM, and scrolling to the
 * end and back (as a user does, by wheel or by dragging to the end) keeps the panel working.
 */
import {
  expect,
  notebookWithModel,
  openPanel,
  panelStore,
  runInKernel,
  shot,
  storeListing,
  test
} from './helpers';

test.use({ autoGoto: true });

const COUNT = 60;

test('a long list scrolls to its end and back, rendering only the rows in view', async ({
  page,
  tmpPath
}) => {
  await notebookWithModel(page, tmpPath, 'long.ipynb');
  const panel = await openPanel(page);
  const store = await panelStore(page);
  const names = Array.from(
    { length: COUNT },
    (_, i) => `long-${String(i).padStart(2, '0')}`
  );
  const storeCode = `from jupyterlab_models import ModelStore\nstore = ModelStore(${JSON.stringify(store)})\n`;
  try {
    // Many models at once through the Python API in the same kernel.
    expect(
      await runInKernel(
        page,
        1,
        storeCode +
          `_ = [store.save(small_model, f"long-{i:02d}") for i in range(${COUNT})]\nprint("saved", len(store.list()))`
      )
    ).toMatch(/saved \d+/);
    await page.sidebar.openTab('jupyterlab-models-panel');
    await panel.getByRole('button', { name: 'Refresh', exact: true }).click();
    const rows = panel
      .getByRole('listbox', { name: 'Models' })
      .getByRole('option');
    await expect(panel.getByRole('option', { name: names[0] })).toBeVisible();
    expect(await rows.count()).toBeLessThan(COUNT);

    // Jump to the end: the last row is drawn, the panel is still there.
    const scroller = panel.locator('.jp-Models-listScroller');
    await scroller.evaluate((node: HTMLElement) => {
      node.scrollTop = node.scrollHeight;
    });
    await expect(
      panel.getByRole('option', { name: names[COUNT - 1] })
    ).toBeVisible();
    await expect(panel.getByRole('option', { name: names[0] })).toHaveCount(0);
    await expect(
      panel.getByRole('button', { name: 'Save model', exact: true })
    ).toBeEnabled();
    await shot(page, 'long-list-end');

    // Back to the top with the mouse wheel.
    await scroller.hover();
    for (let i = 0; i < 20; i++) {
      await page.mouse.wheel(0, -400);
    }
    await expect(panel.getByRole('option', { name: names[0] })).toBeVisible();
    await expect(rows.first()).toBeVisible();
  } finally {
    await runInKernel(
      page,
      1,
      storeCode +
        `_ = [store.delete(f"long-{i:02d}") for i in range(${COUNT})]\nprint("deleted")`
    );
  }
  expect(
    Object.keys(storeListing(store)).filter(n => n.startsWith('long-'))
  ).toEqual([]);
});
