/**
 * Screenshots of the panel and the model card at two screen sizes, light and dark: at the
 * default sidebar width nothing wraps or is cut ("Copy load code" on one line, the search
 * placeholder whole).
 */
import {
  expect,
  notebookWithModel,
  openPanel,
  panelStore,
  saveThroughPanel,
  shot,
  test
} from './helpers';

test.use({ autoGoto: true });

const SIZES = [
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 }
];

test('the panel at 1366x768 and 1920x1080, light and dark, wraps and cuts nothing', async ({
  page,
  tmpPath
}) => {
  await notebookWithModel(page, tmpPath, 'layout.ipynb');
  const panel = await openPanel(page);
  await panelStore(page); // bound to the project store
  await saveThroughPanel(page, 'small_model', 'a model of the layout', 'x');
  const item = panel.getByRole('option', { name: 'a model of the layout' });
  await item.click();
  const details = panel.locator('.jp-Models-details');
  await expect(details.locator('dd[data-field="signature"]')).toContainText(
    'features'
  );
  for (const size of SIZES) {
    for (const theme of ['light', 'dark']) {
      await page.setViewportSize(size);
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      } else {
        await page.theme.setLightTheme();
      }
      await page.sidebar.openTab('jupyterlab-models-panel');
      const copy = details.getByRole('button', { name: 'Copy load code' });
      await expect(copy).toBeVisible();
      // One line, whole: as high as the other buttons, its label not cut, inside the panel.
      const load = details.getByRole('button', { name: 'Load', exact: true });
      expect((await copy.boundingBox())!.height).toBeLessThanOrEqual(
        (await load.boundingBox())!.height + 1
      );
      expect(
        await copy.evaluate(
          (button: HTMLElement) => button.scrollWidth <= button.clientWidth + 1
        )
      ).toBe(true);
      const box = (await copy.boundingBox())!;
      const side = (await panel.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(side.x + side.width);
      // The search placeholder fits its box.
      const fits = await panel
        .locator('.jp-Models-search input')
        .evaluate((input: HTMLInputElement) => {
          const style = getComputedStyle(input);
          const context = document.createElement('canvas').getContext('2d')!;
          context.font = `${style.fontSize} ${style.fontFamily}`;
          const room =
            input.clientWidth -
            parseFloat(style.paddingLeft) -
            parseFloat(style.paddingRight);
          return context.measureText(input.placeholder).width <= room;
        });
      expect(fits).toBe(true);
      await shot(page, `panel-${size.width}x${size.height}-${theme}`);
      await item.dblclick();
      await expect(page.locator('.jp-Models-card h1')).toBeVisible();
      await shot(page, `card-${size.width}x${size.height}-${theme}`);
    }
  }
  await page.theme.setLightTheme();
});
