/**
 * The same extension in Jupyter Notebook 7: its own server (`jupyter notebook`, port 8889,
 * the Galata server settings), plain Playwright (Galata's helpers drive JupyterLab's shell),
 * Debian's Chromium. Run by `make test-ui` after the JupyterLab suite.
 */
const lab = require('./playwright.config');

const PORT = Number(process.env.JUPYTERLAB_NOTEBOOK_TEST_PORT || 8889);

module.exports = {
  testDir: './tests-notebook',
  outputDir: './test-results/notebook',
  timeout: 180000,
  expect: { timeout: 30000 },
  retries: 0,
  workers: 1,
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'playwright-report/notebook' }]
  ],
  use: {
    baseURL: `http://localhost:${PORT}`,
    viewport: { width: 1280, height: 800 },
    video: 'off',
    trace: 'off',
    screenshot: 'only-on-failure',
    launchOptions: lab.use.launchOptions
  },
  webServer: {
    command: 'jupyter notebook --config jupyter_server_test_config.py',
    env: { ...process.env, JUPYTERLAB_MODELS_TEST_PORT: String(PORT) },
    url: `http://localhost:${PORT}/tree`,
    timeout: 120 * 1000,
    reuseExistingServer: Boolean(process.env.GALATA_REUSE_SERVER)
  }
};
