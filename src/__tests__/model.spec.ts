import { Signal } from '@lumino/signaling';
import { KernelBridge } from '../bridge';
import { filterAndSort, ModelsModel, SLOW_OPERATION_MS } from '../model';
import { isWholeManifest } from '../protocol';
import { FakeKernel, fixtureAnswers, protocolFixtures } from './fixtures';

/** A notebook binding whose session context holds a fake kernel. */
function fakeNotebook(kernel: FakeKernel | null) {
  const sessionContext: any = {
    session: kernel ? { kernel } : null,
    kernelChanged: new Signal<any, any>({}),
    statusChanged: new Signal<any, any>({}),
    ready: Promise.resolve()
  };
  return { path: 'work/quickstart.ipynb', sessionContext };
}

function changedOnce(model: ModelsModel, test: () => boolean): Promise<void> {
  return new Promise(resolve => {
    const check = () => {
      if (test()) {
        model.changed.disconnect(check);
        resolve();
      }
    };
    model.changed.connect(check);
    check();
  });
}

async function readyModel(
  kernel = new FakeKernel({ answers: fixtureAnswers() })
) {
  const model = new ModelsModel({ serverRoot: '/srv', storeSetting: '' });
  const notebook = fakeNotebook(kernel);
  model.setNotebook(notebook);
  await changedOnce(model, () => model.status === 'ready' && !model.pending);
  return { model, kernel, notebook };
}

function result(name: string): any {
  const messages = protocolFixtures().get(name)!.messages;
  return (messages[messages.length - 1] as any).result;
}

describe('ModelsModel', () => {
  it('has no notebook until one is bound', () => {
    expect(new ModelsModel().status).toBe('no-notebook');
  });

  it('connects, learns the store and lists models and variables', async () => {
    const { model } = await readyModel();
    expect(model.storeLocation).toBe(result('hello').store);
    expect(model.models).toEqual(result('list').models);
    expect(model.variables).toEqual(result('variables').variables);
    expect(model.error).toBeNull();
  });

  it('says when the notebook has no kernel', async () => {
    const model = new ModelsModel();
    model.setNotebook(fakeNotebook(null));
    await changedOnce(model, () => model.status === 'no-kernel');
  });

  it('reports a kernel without jupyterlab_models', async () => {
    const model = new ModelsModel();
    model.setNotebook(
      fakeNotebook(
        new FakeKernel({
          executeReply: { status: 'error', ename: 'ModuleNotFoundError' }
        })
      )
    );
    await changedOnce(model, () => model.status === 'missing-package');
    expect(model.statusMessage).toContain('pip install jupyterlab-models');
  });

  it('saves with the notebook path and selects the new model', async () => {
    const { model, kernel } = await readyModel();
    const saved = await model.save('clf', 'clf', 'first');
    expect(saved).toEqual(result('save').model);
    const request = kernel.comms[0].sent.find(r => r.op === 'save')!;
    expect(request.args).toEqual({
      variable: 'clf',
      name: 'clf',
      description: 'first',
      notebook: 'work/quickstart.ipynb'
    });
    expect(model.selected?.name).toBe(saved.name);
    expect(model.pending).toBeNull();
  });

  it('marks an operation slow after half a second, for its row to show progress', async () => {
    const { model, kernel } = await readyModel();
    delete kernel.answers['save'];
    const saving = model.save('clf', 'big', '');
    expect(model.pending).toMatchObject({ kind: 'save', slow: false });
    await new Promise(resolve => setTimeout(resolve, SLOW_OPERATION_MS + 100));
    expect(model.pending).toMatchObject({ target: 'big', slow: true });
    const comm = kernel.comms[0];
    const id = comm.sent.filter(r => r.op === 'save').pop()!.id;
    comm.receive({ id, event: 'progress', done: 5, total: 10 });
    expect(model.pending).toMatchObject({ done: 5, total: 10, slow: true });
    const reply = protocolFixtures().get('save')!.messages.slice(-1)[0];
    comm.receive({ ...reply, id } as any);
    await saving;
    expect(model.pending).toBeNull();
  });

  it('shows a failed operation in words with its code', async () => {
    const { model, kernel } = await readyModel();
    kernel.answers['info'] =
      protocolFixtures().get('error_not_found')!.messages;
    kernel.answers['list'] = kernel.answers['info'];
    await expect(model.refresh()).rejects.toMatchObject({ code: 'not_found' });
    expect(model.error).toContain('(not_found)');
  });

  it('passes a question (variable exists) to the caller without showing an error', async () => {
    const { model, kernel } = await readyModel();
    kernel.answers['load'] = protocolFixtures().get(
      'error_variable_exists'
    )!.messages;
    await expect(model.load('clf', null, 'clf2')).rejects.toMatchObject({
      code: 'variable_exists'
    });
    expect(model.error).toBeNull();
    kernel.answers['load'] = fixtureAnswers()['load'];
    const loaded = await model.load('clf', null, 'clf2', { overwrite: true });
    expect(loaded.warnings).toEqual([]);
    const request = kernel.comms[0].sent.filter(r => r.op === 'load').pop()!;
    expect(request.args).toMatchObject({ variable: 'clf2', overwrite: true });
  });

  it('fails a save under way when the kernel dies, saying so', async () => {
    const { model, kernel, notebook } = await readyModel();
    delete kernel.answers['save'];
    const saving = model.save('clf', 'doomed', '');
    notebook.sessionContext.statusChanged.emit('autorestarting');
    await expect(saving).rejects.toMatchObject({
      code: 'kernel_unavailable',
      message: 'The kernel stopped (autorestarting) before it answered.'
    });
    expect(model.error).toBe(
      'The kernel stopped (autorestarting) before it answered. (kernel_unavailable)'
    );
    expect(model.pending).toBeNull();
    expect(model.status).toBe('connecting');
  });

  it('forgets the bridge on restart and registers again when idle', async () => {
    let bridges = 0;
    const model = new ModelsModel({
      createBridge: (kernel, timeout) => {
        bridges++;
        return new KernelBridge(kernel, { timeout });
      }
    });
    const kernel = new FakeKernel({ answers: fixtureAnswers() });
    const notebook = fakeNotebook(kernel);
    model.setNotebook(notebook);
    await changedOnce(model, () => model.status === 'ready' && !model.pending);
    notebook.sessionContext.statusChanged.emit('restarting');
    expect(model.status).toBe('connecting');
    notebook.sessionContext.statusChanged.emit('idle');
    await changedOnce(model, () => model.status === 'ready' && !model.pending);
    expect(bridges).toBe(2);
    expect(kernel.executed).toHaveLength(2);
  });

  it('starts again by itself after a start aborted by a failing cell', async () => {
    // Run All with a failing cell: the kernel aborts the registration queued behind it.
    const kernel = new FakeKernel({
      answers: fixtureAnswers(),
      executeReply: [{ status: 'aborted' }]
    });
    kernel.status = 'busy'; // more cells still run
    const model = new ModelsModel({});
    const notebook = fakeNotebook(kernel);
    model.setNotebook(notebook);
    await changedOnce(model, () => model.status === 'waiting');
    expect(model.models).toEqual([]);
    kernel.status = 'idle';
    notebook.sessionContext.statusChanged.emit('idle');
    await changedOnce(model, () => model.status === 'ready' && !model.pending);
    expect(kernel.executed).toHaveLength(2);
    expect(model.models).toEqual(result('list').models);
  });

  it('starts again at once when the kernel was already idle', async () => {
    const kernel = new FakeKernel({
      answers: fixtureAnswers(),
      executeReply: [{ status: 'aborted' }]
    });
    const model = new ModelsModel({});
    model.setNotebook(fakeNotebook(kernel));
    await changedOnce(model, () => model.status === 'ready' && !model.pending);
    expect(kernel.executed).toHaveLength(2);
  });

  it('Refresh starts again from the beginning when not connected', async () => {
    const kernel = new FakeKernel({
      answers: fixtureAnswers(),
      executeReply: [{ status: 'error', ename: 'RuntimeError', evalue: 'x' }]
    });
    const model = new ModelsModel({});
    model.setNotebook(fakeNotebook(kernel));
    await changedOnce(model, () => model.status === 'error');
    await model.refresh();
    await changedOnce(model, () => model.status === 'ready' && !model.pending);
    expect(kernel.executed).toHaveLength(2);
  });

  it('a refresh does not wait for the variables, which wait for a running cell', async () => {
    const answers = fixtureAnswers();
    delete answers.variables; // the main shell is busy with a cell: no answer yet
    const kernel = new FakeKernel({ answers });
    const { model } = await readyModel(kernel);
    expect(model.models).toEqual(result('list').models);
    expect(model.pending).toBeNull();
    expect(model.variablesPending).toBe(true);
    await model.refresh(); // usable again at once
    expect(model.pending).toBeNull();
  });

  it('says when the list waits for a running cell: no subshell for the comm', async () => {
    const answers = fixtureAnswers();
    const kernel = new FakeKernel({ answers });
    const { model } = await readyModel(kernel);
    delete kernel.answers.list; // behind the running cell: no answer yet
    kernel.status = 'busy';
    void model.refresh().catch(() => undefined);
    // JupyterLab < 4.4: no supportsSubshells at all.
    expect(model.listWaitsForCell).toBe(true);
    // JupyterLab >= 4.4 with a kernel without subshells (ipykernel 6).
    kernel.supportsSubshells = false;
    expect(model.listWaitsForCell).toBe(true);
    // ... with ipykernel 7: the list does not wait, nothing to say.
    kernel.supportsSubshells = true;
    expect(model.listWaitsForCell).toBe(false);
    kernel.status = 'idle';
    kernel.supportsSubshells = false;
    expect(model.listWaitsForCell).toBe(false);
  });

  it('keeps the entries of the store the list left out', async () => {
    const answers = fixtureAnswers();
    const reply = JSON.parse(JSON.stringify(answers.list[0]));
    const skipped = [
      {
        name: 'broken',
        version: 2,
        reason: 'invalid manifest: missing fields'
      },
      { name: 'linked', version: null, reason: 'is a symbolic link' }
    ];
    reply.result.skipped = skipped;
    answers.list = [reply];
    const { model } = await readyModel(new FakeKernel({ answers }));
    expect(model.skipped).toEqual(skipped);
    expect(model.models).toEqual(result('list').models);
  });

  it('knows version counts and the version a save would get', async () => {
    const { model } = await readyModel();
    const latest = result('list').models[0];
    expect(model.versionCount(latest.name)).toBe(
      result('list').version_counts[latest.name]
    );
    expect(model.nextVersion(latest.name)).toBe(latest.version + 1);
    expect(model.nextVersion('a new name')).toBe(1);
  });

  it('fetches the versions of the selected model', async () => {
    const { model, kernel } = await readyModel();
    const name = result('list').models[0].name;
    model.select(name);
    await changedOnce(model, () => model.selectedVersions.length > 0);
    expect(model.selectedVersions).toEqual(result('versions').versions);
    const request = kernel.comms[0].sent.find(r => r.op === 'versions')!;
    expect(request.args).toEqual({ name });
  });

  it('shows the summary from the list until the whole manifest comes', async () => {
    const { model } = await readyModel();
    const summary = result('list').models[0];
    expect(summary.files).toBeUndefined(); // the list op sends summaries
    model.select(summary.name);
    expect(model.selected).toEqual(summary); // versions not answered yet
    await changedOnce(model, () => model.selectedVersions.length > 0);
    const whole = result('versions').versions.find(
      (v: any) => v.version === summary.version
    );
    expect(whole.files.length).toBeGreaterThan(0);
    expect(model.selected).toEqual(whole);
    expect(isWholeManifest(model.selected!)).toBe(true);
  });

  it('selects a saved model and fetches its whole manifest', async () => {
    const { model, kernel } = await readyModel();
    const saved = result('save').model;
    await model.save('clf', saved.name, '');
    expect(model.selected?.name).toBe(saved.name);
    await changedOnce(model, () => model.selectedVersions.length > 0);
    const requests = kernel.comms[0].sent.filter(r => r.op === 'versions');
    expect(requests.map(r => r.args)).toEqual([{ name: saved.name }]);
  });

  it('moves the selection with the keyboard, within the visible list', async () => {
    const { model } = await readyModel();
    const names = model.visibleModels.map(m => m.name);
    model.moveSelection(1);
    expect(model.selected?.name).toBe(names[0]);
    model.moveSelection(-1);
    expect(model.selected?.name).toBe(names[0]);
  });

  it('refuses operations while not connected', async () => {
    const model = new ModelsModel();
    await expect(model.refresh()).rejects.toMatchObject({
      code: 'kernel_unavailable'
    });
  });
});

describe('filterAndSort', () => {
  const base = result('list').models[0];
  const models = [
    {
      ...base,
      name: 'b',
      description: 'churn',
      library: 'xgboost',
      size_bytes: 10,
      created_at: '2026-01-02T00:00:00Z'
    },
    {
      ...base,
      name: 'a',
      description: '',
      library: 'torch',
      size_bytes: 30,
      created_at: '2026-01-01T00:00:00Z'
    },
    {
      ...base,
      name: 'c',
      description: '',
      library: 'lightgbm',
      size_bytes: 20,
      created_at: '2026-01-03T00:00:00Z'
    }
  ];
  const names = (query: string, sort: 'name' | 'date' | 'size') =>
    filterAndSort(models, { query, sort }).map(m => m.name);

  it('sorts by name, newest date or largest size', () => {
    expect(names('', 'name')).toEqual(['a', 'b', 'c']);
    expect(names('', 'date')).toEqual(['c', 'b', 'a']);
    expect(names('', 'size')).toEqual(['a', 'c', 'b']);
  });

  it('searches name, description and library, ignoring case', () => {
    expect(names('CHURN', 'name')).toEqual(['b']);
    expect(names('torch', 'name')).toEqual(['a']);
    expect(names(' churn ', 'name')).toEqual(['b']);
    expect(names('nothing', 'name')).toEqual([]);
  });
});
