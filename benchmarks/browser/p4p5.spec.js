/**
 * The browser halves of P4 and P5 (issue #6), run by benchmarks/p4p5_browser.py, which starts
 * the server, makes the stores and reads what this writes (one JSON line per run) to BENCH_OUT.
 *
 * P4: the Models panel bound to a notebook whose kernel lists a store of BENCH_MODELS models:
 * once the list is loaded (the panel model lists the store as soon as a notebook is current,
 * with its panel closed), the panel is opened and timed to its first painted row; then the
 * rows in the DOM are counted (the list is virtualized), and a jump to the end is timed.
 *
 * P5: a comm of the panel's own target opened from the page on the same kernel, `hello` bound
 * to a store of 20 models; BENCH_CALLS `list` round trips alternate with BENCH_CALLS
 * execute_request of `pass` (to their execute_reply), the kernel let go idle between calls.
 * Every time is taken inside the page with performance.now().
 */
const { expect, test } = require('@jupyterlab/galata');
const fs = require('fs');

const PANEL_ID = 'jupyterlab-models-panel';
const MODELS = Number(process.env.BENCH_MODELS || 5000);
const CALLS = Number(process.env.BENCH_CALLS || 100);
const ROW_HEIGHT = 44; // src/components/list.tsx

test.use({ autoGoto: true });

test('P4 and P5 in the browser', async ({ page }) => {
  const step = text => console.log(`  [${new Date().toISOString()}] ${text}`);
  const errors = [];
  page.on('console', msg => {
    if (msg.type() === 'error') {
      errors.push(msg.text().split('\n')[0].slice(0, 300));
    }
  });
  page.on('pageerror', error => errors.push(String(error).slice(0, 300)));
  step('new notebook');
  await page.notebook.createNew('bench.ipynb');
  await page.notebook.setCell(0, 'code', '1 + 1');
  await page.notebook.runCell(0);
  step('kernel ran a cell; waiting for the panel model to hold the list');

  // The whole list is in the panel model (the listbox is sized for every model), panel closed.
  const listbox = page.locator(`#${PANEL_ID} .jp-Models-list[role="listbox"]`);
  await expect(listbox).toHaveAttribute(
    'style',
    new RegExp(`height: ${MODELS * ROW_HEIGHT}px`)
  );
  await expect(page.locator(`#${PANEL_ID}`)).toBeHidden();

  step('opening the panel');
  const open = await page.evaluate(openAndTimeFirstPaint, { id: PANEL_ID });
  step(`first row painted after ${open.paint.toFixed(1)} ms; jump to the end`);
  const last = `model-${String(MODELS - 1).padStart(5, '0')}`;
  const scroll = await page.evaluate(scrollToEndAndTime, {
    id: PANEL_ID,
    last
  });
  if (scroll.error) {
    // Recorded, not thrown: P5 below does not need the panel.
    scroll.error += errors.length ? `; page errors: ${errors.join(' | ')}` : '';
    step(scroll.error);
  }

  step('comm round trips');
  const comm = await page.evaluate(commRoundTrips, {
    smallStore: process.env.BENCH_SMALL_STORE,
    bigStore: process.env.BENCH_BIG_STORE,
    protocol: Number(process.env.BENCH_PROTOCOL),
    calls: CALLS
  });
  fs.appendFileSync(
    process.env.BENCH_OUT,
    JSON.stringify({ models: MODELS, open, scroll, ...comm }) + '\n'
  );
});

/** Open the panel; ms to the first row in the DOM and visible, and to the frame after it. */
async function openAndTimeFirstPaint({ id }) {
  const host = document.getElementById(id);
  const visible = () => {
    const row = host.querySelector('[role="option"]');
    return !!row && row.getBoundingClientRect().height > 0;
  };
  return await new Promise(resolve => {
    let t0 = 0;
    let done = false;
    const finish = () => {
      if (done || !visible()) {
        return;
      }
      done = true;
      observer.disconnect();
      const dom = performance.now() - t0;
      // rAF runs before the frame's paint; a task queued from it runs after that paint.
      requestAnimationFrame(() =>
        setTimeout(() => {
          const list = host.querySelector('[role="listbox"]');
          resolve({
            dom,
            paint: performance.now() - t0,
            rows: host.querySelectorAll('[role="option"]').length,
            listHeight: list.getBoundingClientRect().height
          });
        }, 0)
      );
    };
    const observer = new MutationObserver(finish);
    observer.observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true
    });
    t0 = performance.now();
    window.jupyterapp.shell.activateById(id);
    finish();
  });
}

/** Jump to the end of the list; ms until the last model's row is painted. */
async function scrollToEndAndTime({ id, last }) {
  const host = document.getElementById(id);
  const scroller = host.querySelector('.jp-Models-listScroller');
  const shown = () =>
    [...host.querySelectorAll('[role="option"]')].some(
      row =>
        row.textContent.includes(last) && row.getBoundingClientRect().height > 0
    );
  return await new Promise(resolve => {
    let done = false;
    const t0 = performance.now();
    const finish = () => {
      if (done || !shown()) {
        return;
      }
      done = true;
      observer.disconnect();
      requestAnimationFrame(() =>
        setTimeout(
          () =>
            resolve({
              paint: performance.now() - t0,
              rows: host.querySelectorAll('[role="option"]').length
            }),
          0
        )
      );
    };
    const observer = new MutationObserver(finish);
    observer.observe(host, {
      subtree: true,
      childList: true,
      characterData: true
    });
    scroller.scrollTop = scroller.scrollHeight;
    finish();
    setTimeout(() => {
      if (!done) {
        done = true;
        observer.disconnect();
        const rows = host.querySelectorAll('[role="option"]').length;
        resolve({
          error:
            `the row of ${last} was not shown 10 s after the jump` +
            (host.childElementCount
              ? ` (${rows} rows in the DOM)`
              : ': the panel is empty')
        });
      }
    }, 10000);
  });
}

/** `list` over a comm of our own vs execute_request of `pass`, alternated, on one kernel. */
async function commRoundTrips({ smallStore, bigStore, protocol, calls }) {
  const notebook = window.jupyterapp.shell.currentWidget;
  const kernel = notebook.sessionContext.session.kernel;
  const waiting = new Map();
  const comm = kernel.createComm('jupyterlab_models');
  comm.onMsg = msg => {
    const data = msg.content.data;
    const resolve = waiting.get(data.id);
    if (resolve && data.event === undefined) {
      waiting.delete(data.id);
      resolve(data);
    }
  };
  comm.open({});
  let counter = 0;
  const request = (op, args) =>
    new Promise(resolve => {
      const id = `bench-${counter++}`;
      waiting.set(id, resolve);
      comm.send({ id, op, args });
    });
  const idle = async () => {
    while (kernel.status !== 'idle') {
      await new Promise(r => setTimeout(r, 1));
    }
  };
  const listOnce = async () => {
    await idle();
    const t0 = performance.now();
    const reply = await request('list', {});
    const ms = performance.now() - t0;
    if (!reply.ok) {
      throw new Error(`list failed: ${JSON.stringify(reply.error)}`);
    }
    return { ms, models: reply.result.models.length };
  };
  const passOnce = async () => {
    await idle();
    const t0 = performance.now();
    let ms = 0;
    const future = kernel.requestExecute({
      code: 'pass',
      silent: false,
      store_history: false
    });
    future.onReply = () => {
      ms = performance.now() - t0;
    };
    await future.done;
    return ms;
  };

  const hello = await request('hello', {
    protocol_version: protocol,
    store: bigStore
  });
  if (!hello.ok) {
    throw new Error(`hello failed: ${JSON.stringify(hello.error)}`);
  }
  const bigList = [];
  for (let i = 0; i < 3; i++) {
    bigList.push((await listOnce()).ms);
  }
  await request('hello', { protocol_version: protocol, store: smallStore });
  const small = await listOnce();
  await passOnce();
  const list = [];
  const pass = [];
  for (let i = 0; i < calls; i++) {
    if (i % 2) {
      pass.push(await passOnce());
      list.push((await listOnce()).ms);
    } else {
      list.push((await listOnce()).ms);
      pass.push(await passOnce());
    }
  }
  comm.close();
  return { smallModels: small.models, list, pass, bigList };
}
