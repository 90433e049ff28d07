/**
 * Playwright configuration of the browser benchmark (P4/P5 browser halves), run by
 * benchmarks/p4p5_browser.py: it starts its own JupyterLab on port 8890 (the Galata tests use
 * 8888/8889), copies this directory next to a link to ui-tests/node_modules and runs it there.
 * Debian's Chromium, no video, no trace, one worker: timings, not screenshots.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

module.exports = {
  ...baseConfig,
  testDir: '.',
  testMatch: 'p4p5.spec.js',
  timeout: Number(process.env.BENCH_TEST_TIMEOUT || 600000),
  expect: { timeout: 60000 },
  retries: 0,
  workers: 1,
  reporter: [['list']],
  outputDir: process.env.BENCH_RESULTS_DIR || 'test-results',
  use: {
    ...baseConfig.use,
    baseURL: 'http://localhost:8890',
    video: 'off',
    trace: 'off',
    screenshot: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--no-sandbox']
    }
  }
};
