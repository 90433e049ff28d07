import { Signal } from '@lumino/signaling';
import { KernelBridge } from '../bridge';
import { ModelsModel } from '../models/modelsModel';
import { SLOW_OPERATION_MS } from '../models/operation';
import { filterAndSort } from '../models/storeList';
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

/** Resolves once `test` holds, checked at each signal of the model's parts. */
function changedOnce(model: ModelsModel, test: () => boolean): Promise<void> {
  const signals = [
    model.stateChanged,
    model.connection.statusChanged,
    model.store.changed,
    model.store.selectionChanged,
    model.variables.changed,
    model.operation.changed
  ];
  return new Promise(resolve => {
    const check = () => {
      if (test()) {
        signals.forEach(signal => signal.disconnect(check));
        resolve();
      }
    };
    signals.forEach(signal => signal.connect(check));
    check();
  });
}

async function readyModel(
  kernel = new FakeKernel({ answers: fixtureAnswers() })
) {
  const model = new ModelsModel({ serverRoot: '/srv', storeSetting: '' });
  const notebook = fakeNotebook(kernel);
  model.setNotebook(notebook);
  await changedOnce(
    model,
    () =>
      model.connection.status === 'ready' &&
      model.store.loaded &&
      !model.operation.pending
  );
  return { model, kernel, notebook };
}

function result(name: string): any {
  const messages = protocolFixtures().get(name)!.messages;
  return (messages[messages.length - 1] as any).result;
}

describe('ModelsModel', () => {
  it('has no notebook until one is bound', () => {
    expect(new ModelsModel().connection.status).toBe('no-notebook');
  });

  it('connects, learns the store and lists models and variables', async () => {
    const { model } = await readyModel();
    expect(model.connection.storeLocation).toBe(result('hello').store);
    expect(model.store.models).toEqual(result('list').models);
    expect(model.variables.variables).toEqual(result('variables').variables);
    expect(model.operation.error).toBeNull();
  });

  it('says when the notebook has no kernel', async () => {
    const model = new ModelsModel();
    model.setNotebook(fakeNotebook(null));
    await changedOnce(model, () => model.connection.status === 'no-kernel');
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
    await changedOnce(
      model,
      () => model.connection.status === 'missing-package'
    );
    expect(model.connection.statusMessage).toContain(
      'pip install jupyterlab-models'
    );
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
    expect(model.store.selected?.name).toBe(saved.name);
    expect(model.operation.pending).toBeNull();
  });

  it('marks an operation slow after half a second, for its row to show progress', async () => {
    const { model, kernel } = await readyModel();
    delete kernel.answers['save'];
    const saving = model.save('clf', 'big', '');
    expect(model.operation.pending).toMatchObject({
      kind: 'save',
      slow: false
    });
    await new Promise(resolve => setTimeout(resolve, SLOW_OPERATION_MS + 100));
    expect(model.operation.pending).toMatchObject({
      target: 'big',
      slow: true
    });
    const comm = kernel.comms[0];
    const id = comm.sent.filter(r => r.op === 'save').pop()!.id;
    comm.receive({ id, event: 'progress', done: 5, total: 10 });
    expect(model.operation.pending).toMatchObject({
      done: 5,
      total: 10,
      slow: true
    });
    const reply = protocolFixtures().get('save')!.messages.slice(-1)[0];
    comm.receive({ ...reply, id } as any);
    await saving;
    expect(model.operation.pending).toBeNull();
  });

  it('signals progress alone: nothing else is told of it', async () => {
    const { model, kernel } = await readyModel();
    delete kernel.answers['save'];
    const saving = model.save('clf', 'big', '');
    const told: string[] = [];
    model.stateChanged.connect(() => told.push('state'));
    model.store.changed.connect(() => told.push('store'));
    model.operation.changed.connect(() => told.push('operation'));
    const progress: number[] = [];
    model.operation.progressed.connect((_, op) => progress.push(op.done));
    const comm = kernel.comms[0];
    const id = comm.sent.filter(r => r.op === 'save').pop()!.id;
    for (const done of [1, 2, 3]) {
      comm.receive({ id, event: 'progress', done, total: 3 });
    }
    expect(progress).toEqual([1, 2, 3]);
    expect(told).toEqual([]);
    const reply = protocolFixtures().get('save')!.messages.slice(-1)[0];
    comm.receive({ ...reply, id } as any);
    await saving;
    expect(told).toContain('store');
  });

  it('shows a failed operation in words with its code', async () => {
    const { model, kernel } = await readyModel();
    kernel.answers['info'] =
      protocolFixtures().get('error_not_found')!.messages;
    kernel.answers['list'] = kernel.answers['info'];
    await expect(model.refresh()).rejects.toMatchObject({ code: 'not_found' });
    expect(model.operation.error).toMatchObject({ code: 'not_found' });
  });

  it('passes a question (variable exists) to the caller without showing an error', async () => {
    const { model, kernel } = await readyModel();
    kernel.answers['load'] = protocolFixtures().get(
      'error_variable_exists'
    )!.messages;
    await expect(model.load('clf', null, 'clf2')).rejects.toMatchObject({
      code: 'variable_exists'
    });
    expect(model.operation.error).toBeNull();
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
    expect(model.operation.error).toMatchObject({
      code: 'kernel_unavailable',
      local: { why: 'stopped', status: 'autorestarting' }
    });
    expect(model.operation.pending).toBeNull();
    expect(model.connection.status).toBe('connecting');
  });

  it('forgets the bridge on restart and registers again when idle', async () => {
    let bridges = 0;
    const model = new ModelsModel({
      createBridge: (kernel: any, timeout: number) => {
        bridges++;
        return new KernelBridge(kernel, { timeout });
      }
    });
    const kernel = new FakeKernel({ answers: fixtureAnswers() });
    const notebook = fakeNotebook(kernel);
    model.setNotebook(notebook);
    await changedOnce(
      model,
      () =>
        model.connection.status === 'ready' &&
        model.store.loaded &&
        !model.operation.pending
    );
    notebook.sessionContext.statusChanged.emit('restarting');
    expect(model.connection.status).toBe('connecting');
    notebook.sessionContext.statusChanged.emit('idle');
    await changedOnce(
      model,
      () =>
        model.connection.status === 'ready' &&
        model.store.loaded &&
        !model.operation.pending
    );
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
    await changedOnce(model, () => model.connection.status === 'waiting');
    expect(model.store.models).toEqual([]);
    kernel.status = 'idle';
    notebook.sessionContext.statusChanged.emit('idle');
    await changedOnce(
      model,
      () =>
        model.connection.status === 'ready' &&
        model.store.loaded &&
        !model.operation.pending
    );
    expect(kernel.executed).toHaveLength(2);
    expect(model.store.models).toEqual(result('list').models);
  });

  it('starts again at once when the kernel was already idle', async () => {
    const kernel = new FakeKernel({
      answers: fixtureAnswers(),
      executeReply: [{ status: 'aborted' }]
    });
    const model = new ModelsModel({});
    model.setNotebook(fakeNotebook(kernel));
    await changedOnce(
      model,
      () =>
        model.connection.status === 'ready' &&
        model.store.loaded &&
        !model.operation.pending
    );
    expect(kernel.executed).toHaveLength(2);
  });

  it('Refresh starts again from the beginning when not connected', async () => {
    const kernel = new FakeKernel({
      answers: fixtureAnswers(),
      executeReply: [{ status: 'error', ename: 'RuntimeError', evalue: 'x' }]
    });
    const model = new ModelsModel({});
    model.setNotebook(fakeNotebook(kernel));
    await changedOnce(model, () => model.connection.status === 'error');
    await model.refresh();
    await changedOnce(
      model,
      () =>
        model.connection.status === 'ready' &&
        model.store.loaded &&
        !model.operation.pending
    );
    expect(kernel.executed).toHaveLength(2);
  });

  it('a refresh does not wait for the variables, which wait for a running cell', async () => {
    const answers = fixtureAnswers();
    delete answers.variables; // the main shell is busy with a cell: no answer yet
    const kernel = new FakeKernel({ answers });
    const { model } = await readyModel(kernel);
    expect(model.store.models).toEqual(result('list').models);
    expect(model.operation.pending).toBeNull();
    expect(model.variables.pending).toBe(true);
    await model.refresh(); // usable again at once
    expect(model.operation.pending).toBeNull();
  });

  it('a refresh while a save waits for the running cell lists, and leaves the save in place', async () => {
    const { model, kernel } = await readyModel();
    delete kernel.answers.save; // it waits for the cell
    const save = model.save('clf', 'iris', '');
    const saveId = kernel.comms[0].sent[kernel.comms[0].sent.length - 1].id;
    kernel.comms[0].receive({ id: saveId, event: 'waiting' });
    await changedOnce(
      model,
      () => model.operation.pending?.cancelWait !== null
    );
    const lists = kernel.comms[0].sent.filter(r => r.op === 'list').length;
    await model.refresh();
    expect(kernel.comms[0].sent.filter(r => r.op === 'list')).toHaveLength(
      lists + 1
    );
    expect(model.operation.pending).toMatchObject({
      kind: 'save',
      target: 'iris'
    });
    expect(model.operation.pending?.cancelWait).not.toBeNull();
    model.operation.pending!.cancelWait!();
    kernel.comms[0].receive({
      id: saveId,
      ok: false,
      error: { code: 'cancelled', message: 'cancelled' }
    });
    await expect(save).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('says when the list waits for a running cell: no subshell for the comm', async () => {
    const answers = fixtureAnswers();
    const kernel = new FakeKernel({ answers });
    const { model } = await readyModel(kernel);
    delete kernel.answers.list; // behind the running cell: no answer yet
    kernel.status = 'busy';
    void model.refresh().catch(() => undefined);
    expect(model.operation.pending?.kind).toBe('refresh');
    // JupyterLab < 4.4: no supportsSubshells at all.
    expect(model.connection.waitsForCell).toBe(true);
    // JupyterLab >= 4.4 with a kernel without subshells (ipykernel 6).
    kernel.supportsSubshells = false;
    expect(model.connection.waitsForCell).toBe(true);
    // ... with ipykernel 7: the list does not wait, nothing to say.
    kernel.supportsSubshells = true;
    expect(model.connection.waitsForCell).toBe(false);
    kernel.status = 'idle';
    kernel.supportsSubshells = false;
    expect(model.connection.waitsForCell).toBe(false);
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
    expect(model.store.skipped).toEqual(skipped);
    expect(model.store.models).toEqual(result('list').models);
  });

  it('knows version counts and the version a save would get', async () => {
    const { model } = await readyModel();
    const latest = result('list').models[0];
    expect(model.store.versionCount(latest.name)).toBe(
      result('list').version_counts[latest.name]
    );
    expect(model.store.nextVersion(latest.name)).toBe(latest.version + 1);
    expect(model.store.nextVersion('a new name')).toBe(1);
  });

  it('fetches the versions of the selected model', async () => {
    const { model, kernel } = await readyModel();
    const name = result('list').models[0].name;
    model.store.select(name);
    await changedOnce(model, () => model.store.selectedVersions.length > 0);
    expect(model.store.selectedVersions).toEqual(result('versions').versions);
    const request = kernel.comms[0].sent.find(r => r.op === 'versions')!;
    expect(request.args).toEqual({ name });
  });

  it('shows the summary from the list until the whole manifest comes', async () => {
    const { model } = await readyModel();
    const summary = result('list').models[0];
    expect(summary.files).toBeUndefined(); // the list op sends summaries
    model.store.select(summary.name);
    expect(model.store.selected).toEqual(summary); // versions not answered yet
    await changedOnce(model, () => model.store.selectedVersions.length > 0);
    const whole = result('versions').versions.find(
      (v: any) => v.version === summary.version
    );
    expect(whole.files.length).toBeGreaterThan(0);
    expect(model.store.selected).toEqual(whole);
    expect(isWholeManifest(model.store.selected!)).toBe(true);
  });

  it('selects a saved model and fetches its whole manifest', async () => {
    const { model, kernel } = await readyModel();
    const saved = result('save').model;
    await model.save('clf', saved.name, '');
    expect(model.store.selected?.name).toBe(saved.name);
    await changedOnce(model, () => model.store.selectedVersions.length > 0);
    const requests = kernel.comms[0].sent.filter(r => r.op === 'versions');
    expect(requests.map(r => r.args)).toEqual([{ name: saved.name }]);
  });

  it('moves the selection with the keyboard, within the visible list', async () => {
    const { model } = await readyModel();
    const names = model.store.visibleModels.map(m => m.name);
    model.store.moveSelection(1);
    expect(model.store.selected?.name).toBe(names[0]);
    model.store.moveSelection(-1);
    expect(model.store.selected?.name).toBe(names[0]);
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
