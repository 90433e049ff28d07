import {
  BridgeError,
  BridgeSetupError,
  KernelBridge,
  REGISTER_CODE
} from '../bridge';
import { isProgress, PROTOCOL_VERSION } from '../protocol';
import {
  FakeKernel,
  fixtureAnswers,
  protocolFixtures,
  readdress
} from './fixtures';

const HELLO_ARGS = { store: '', server_root: '/srv' };

async function connected(
  kernel = new FakeKernel({ answers: fixtureAnswers() })
) {
  const bridge = new KernelBridge(kernel, { timeout: 1000 });
  await bridge.connect(HELLO_ARGS);
  return { bridge, kernel, comm: kernel.comms[0] };
}

describe('KernelBridge.connect', () => {
  it('registers silently, opens the comm and shakes hands', async () => {
    const { kernel, comm } = await connected();
    expect(kernel.executed).toEqual([
      expect.objectContaining({
        code: REGISTER_CODE,
        silent: true,
        store_history: false
      })
    ]);
    expect((comm as any).targetName).toBe('jupyterlab_models');
    expect(comm.opened).toBe(true);
    expect(comm.sent[0]).toMatchObject({
      op: 'hello',
      args: { protocol_version: PROTOCOL_VERSION, ...HELLO_ARGS }
    });
  });

  it('resolves with the hello result', async () => {
    const kernel = new FakeKernel({ answers: fixtureAnswers() });
    const bridge = new KernelBridge(kernel);
    const hello = await bridge.connect(HELLO_ARGS);
    const expected = protocolFixtures().get('hello')!.messages[0] as any;
    expect(hello).toEqual(expected.result);
  });

  it("waits for the comm's kernel subshell before it is done (else requests go to the main shell)", async () => {
    const kernel = new FakeKernel({ answers: fixtureAnswers() });
    kernel.supportsSubshells = true;
    let start: () => void = () => undefined;
    const started = new Promise<void>(resolve => (start = resolve));
    const create = kernel.createComm.bind(kernel);
    kernel.createComm = (target: string) => {
      const comm = create(target);
      comm.subshellStarted = started;
      return comm;
    };
    let connected = false;
    const connecting = new KernelBridge(kernel)
      .connect(HELLO_ARGS)
      .then(() => (connected = true));
    await new Promise(resolve => setTimeout(resolve, 20));
    expect(kernel.comms[0].sent.map(request => request.op)).toEqual(['hello']);
    expect(connected).toBe(false);
    start();
    await connecting;
    expect(connected).toBe(true);
  });

  it('says the package is missing when the import fails', async () => {
    const kernel = new FakeKernel({
      executeReply: {
        status: 'error',
        ename: 'ModuleNotFoundError',
        evalue: "No module named 'jupyterlab_models'"
      }
    });
    const failure = new KernelBridge(kernel).connect(HELLO_ARGS);
    await expect(failure).rejects.toBeInstanceOf(BridgeSetupError);
    await expect(failure).rejects.toMatchObject({ reason: 'missing-package' });
    await expect(failure).rejects.toThrow('%pip install jupyterlab-models');
    expect(kernel.comms).toHaveLength(0);
  });

  it('has its own message for a non-Python kernel', async () => {
    const kernel = new FakeKernel({ language: 'R' });
    const failure = new KernelBridge(kernel).connect(HELLO_ARGS);
    await expect(failure).rejects.toMatchObject({ reason: 'not-python' });
    await expect(failure).rejects.toThrow('runs R');
    expect(kernel.executed).toHaveLength(0);
  });
});

describe('KernelBridge.request', () => {
  const fixtures = protocolFixtures();

  it.each([...fixtures.entries()].filter(([n]) => n.startsWith('error_')))(
    '%s rejects with the kernel error code',
    async (name, fixture) => {
      const { bridge, kernel } = await connected();
      kernel.answers[fixture.request.op] = fixture.messages;
      const last = fixture.messages[fixture.messages.length - 1] as any;
      const request = bridge.request(fixture.request.op, fixture.request.args);
      await expect(request).rejects.toBeInstanceOf(BridgeError);
      await expect(request).rejects.toMatchObject({ code: last.error.code });
    }
  );

  it('reports progress and resolves with the save result', async () => {
    const { bridge } = await connected();
    const save = fixtures.get('save')!;
    const progress: [number, number][] = [];
    const result = await bridge.request('save', save.request.args, {
      onProgress: (done, total) => progress.push([done, total])
    });
    expect(progress).toEqual(
      save.messages.filter(isProgress).map(m => [m.done, m.total])
    );
    expect(result).toEqual(
      (save.messages[save.messages.length - 1] as any).result
    );
  });

  it('matches replies to requests by id, whatever their order', async () => {
    const { bridge, kernel, comm } = await connected();
    delete kernel.answers['list'];
    delete kernel.answers['variables'];
    const list = bridge.request('list');
    const vars = bridge.request('variables');
    const [listReq, varsReq] = comm.sent.slice(-2);
    const listMsgs = fixtures.get('list')!.messages;
    const varsMsgs = fixtures.get('variables')!.messages;
    readdress(varsMsgs, varsReq.id).forEach(m => comm.receive(m));
    readdress(listMsgs, listReq.id).forEach(m => comm.receive(m));
    expect(await list).toEqual((listMsgs[0] as any).result);
    expect(await vars).toEqual((varsMsgs[0] as any).result);
  });

  it('ignores malformed messages and replies to unknown ids', async () => {
    const { bridge, kernel, comm } = await connected();
    delete kernel.answers['list'];
    const warn = jest
      .spyOn(console, 'warn')
      .mockImplementation(() => undefined);
    const list = bridge.request('list');
    comm.receive({ nonsense: true });
    comm.receive({ id: 'other', ok: true, result: {} });
    const listMsgs = fixtures.get('list')!.messages;
    readdress(listMsgs, comm.sent[comm.sent.length - 1].id).forEach(m =>
      comm.receive(m)
    );
    expect(await list).toEqual((listMsgs[0] as any).result);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it('times out with a clear message when the kernel does not answer', async () => {
    const { bridge, kernel } = await connected();
    delete kernel.answers['list'];
    jest.useFakeTimers();
    try {
      const list = bridge.request('list', {}, { timeout: 5000 });
      jest.advanceTimersByTime(5001);
      await expect(list).rejects.toMatchObject({ code: 'timeout' });
      await expect(list).rejects.toThrow('did not answer "list" within 5 s');
    } finally {
      jest.useRealTimers();
    }
  });

  it('fails pending requests saying the kernel stopped, when disposed for a restart', async () => {
    const { bridge, kernel } = await connected();
    delete kernel.answers['list'];
    const list = bridge.request('list');
    bridge.dispose('restarting');
    await expect(list).rejects.toMatchObject({
      code: 'kernel_unavailable',
      local: { why: 'stopped', status: 'restarting' }
    });
  });

  it('when letting go of a live kernel, cancels a request waiting for a cell, then closes the comm', async () => {
    const { bridge, kernel, comm } = await connected();
    delete kernel.answers['save'];
    kernel.answers['cancel'] = [
      { id: '', ok: true, result: { cancelled: true } }
    ] as any;
    const save = bridge.request('save', { variable: 'clf', name: 'm' });
    const saveId = comm.sent[comm.sent.length - 1].id;
    comm.receive({ id: saveId, event: 'waiting' });
    delete kernel.answers['list'];
    const list = bridge.request('list').catch(reason => reason); // not waiting: closed
    bridge.dispose();
    await expect(save).rejects.toMatchObject({ code: 'cancelled' });
    expect(comm.sent[comm.sent.length - 1]).toMatchObject({
      op: 'cancel',
      args: { request: saveId }
    });
    expect(comm.closed).toBe(false); // not before the kernel has the cancel
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(comm.closed).toBe(true);
    expect(await list).toMatchObject({ local: { why: 'closed' } });
  });

  it('once a waited request runs (its first progress), it is no longer cancelled on dispose', async () => {
    const { bridge, kernel, comm } = await connected();
    delete kernel.answers['save'];
    const save = bridge.request('save', { variable: 'clf', name: 'm' });
    const saveId = comm.sent[comm.sent.length - 1].id;
    comm.receive({ id: saveId, event: 'waiting' });
    comm.receive({ id: saveId, event: 'progress', done: 0, total: 0 });
    bridge.dispose();
    await expect(save).rejects.toMatchObject({
      code: 'kernel_unavailable',
      local: { why: 'closed' }
    });
    expect(comm.sent.map(request => request.op)).not.toContain('cancel');
    expect(comm.closed).toBe(true);
  });

  it('refuses requests after dispose', async () => {
    const { bridge, comm } = await connected();
    bridge.dispose();
    expect(comm.isDisposed).toBe(true);
    await expect(bridge.request('list')).rejects.toMatchObject({
      code: 'kernel_unavailable'
    });
  });
});
