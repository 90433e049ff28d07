/**
 * The compatibility smoke test (`make test-compat`, scripts/check-compat.sh): one JupyterLab or
 * Jupyter Notebook release, installed with the built wheel in a fresh venv whose bin/ leads
 * PATH. Plain Playwright, not Galata: Galata's page helpers must match the JupyterLab they
 * drive, and this suite drives several releases (4.0 to the newest) and Notebook 7.
 */
const lab = require('./playwright.config');

const PORT = Number(process.env.JUPYTERLAB_COMPAT_TEST_PORT || 8893);
// 'lab' (JupyterLab) or 'notebook' (Jupyter Notebook 7).
const UI = process.env.COMPAT_UI || 'lab';
const LABEL = process.env.COMPAT_LABEL || UI;

module.exports = {
  testDir: './tests-compat',
  outputDir: `./test-results/compat-${LABEL}`,
  timeout: 240000,
  expect: { timeout: 60000 },
  retries: 0,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    viewport: { width: 1280, height: 800 },
    video: 'off',
    trace: 'off',
    screenshot: 'only-on-failure',
    launchOptions: lab.use.launchOptions
  },
  webServer: {
    command: `jupyter ${UI} --config compat_server_config.py`,
    env: { ...process.env, JUPYTERLAB_MODELS_TEST_PORT: String(PORT) },
    url: `http://localhost:${PORT}/api/status`,
    timeout: 120 * 1000,
    reuseExistingServer: false
  }
};
