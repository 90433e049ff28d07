/**
 * Galata's configuration, run in Debian's Chromium (Playwright's own browser download is
 * not available here), as root, with screenshots kept under test-results/.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

// The server's root, chosen here so that the tests know where the project store is (they
// empty it before each test). The workers inherit it from the runner's environment.
process.env.JUPYTERLAB_GALATA_ROOT_DIR ||= fs.mkdtempSync(
  path.join(os.tmpdir(), 'galata-test-')
);

// JUPYTERLAB_LAB_TEST_PORT moves the server off 8888 (two suites on one machine); an
// existing server is reused only when asked (a stale one would test another build).
const PORT = Number(process.env.JUPYTERLAB_LAB_TEST_PORT || 8888);

module.exports = {
  ...baseConfig,
  // tests-notebook/ runs against Notebook 7 with playwright.notebook.config.js.
  testDir: './tests',
  timeout: 300000,
  expect: { timeout: 30000 },
  retries: 0,
  workers: 1,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${PORT}`,
    video: 'off',
    trace: 'off',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  webServer: {
    command: 'jupyter lab --config jupyter_server_test_config.py',
    env: { ...process.env, JUPYTERLAB_MODELS_TEST_PORT: String(PORT) },
    url: `http://localhost:${PORT}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: Boolean(process.env.GALATA_REUSE_SERVER)
  }
};
