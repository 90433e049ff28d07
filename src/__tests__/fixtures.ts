/**
 * The protocol fixtures shared with pytest (tests/fixtures/protocol/*.json), and a fake
 * kernel that answers each request with the recorded messages of its op. The real kernel
 * path is covered end to end by the Galata test and by pytest against a real ipykernel.
 */
import { Signal } from '@lumino/signaling';
import * as fs from 'fs';
import * as path from 'path';
import { IKernelLike } from '../bridge';
import { IRequest, KernelMessage } from '../protocol';

export const FIXTURE_DIR = path.resolve(__dirname, '../../tests/fixtures');

export interface IProtocolFixture {
  description: string;
  request: IRequest;
  messages: KernelMessage[];
}

export function readJson(relative: string): any {
  return JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, relative), 'utf8'));
}

/** Every protocol case: file name (without .json) → fixture. */
export function protocolFixtures(): Map<string, IProtocolFixture> {
  const dir = path.join(FIXTURE_DIR, 'protocol');
  const cases = new Map<string, IProtocolFixture>();
  for (const file of fs.readdirSync(dir).sort()) {
    if (file.endsWith('.json') && file !== 'error_codes.json') {
      cases.set(file.slice(0, -5), readJson(`protocol/${file}`));
    }
  }
  return cases;
}

/** The fixture's messages, addressed to another request id. */
export function readdress(
  messages: KernelMessage[],
  id: string
): KernelMessage[] {
  return messages.map(m => ({ ...m, id }));
}

export class FakeComm {
  constructor(private _kernel: FakeKernel) {}
  isDisposed = false;
  opened = false;
  sent: IRequest[] = [];
  onMsg: (msg: any) => void = () => undefined;
  onClose: (msg: any) => void = () => undefined;
  open(): void {
    this.opened = true;
  }
  send(data: any): void {
    this.sent.push(data);
    this._kernel.answer(this, data);
  }
  /** Deliver a kernel → frontend message as the comm would. */
  receive(data: unknown): void {
    this.onMsg({ content: { data } });
  }
  /** Closed from this side: the kernel is told (comm_close), then it is disposed of. */
  closed = false;
  close(): void {
    this.closed = true;
    this.dispose();
  }
  dispose(): void {
    this.isDisposed = true;
  }
}

export interface IFakeKernelOptions {
  language?: string;
  /** Execute reply of the registration code; a list: one per execution, in order. */
  executeReply?: Record<string, unknown> | Record<string, unknown>[];
  /** op → messages the kernel answers with; missing ops are left unanswered. */
  answers?: Record<string, KernelMessage[]>;
}

export class FakeKernel implements IKernelLike {
  constructor(private _options: IFakeKernelOptions = {}) {
    this.answers = { ..._options.answers };
  }

  readonly id = 'fake-kernel';
  status: any = 'idle';
  /** Set as JupyterLab >= 4.4 does (from the kernel's info); absent before. */
  supportsSubshells?: boolean;
  readonly statusChanged = new Signal<any, any>(this);
  executed: any[] = [];
  comms: FakeComm[] = [];
  answers: Record<string, KernelMessage[]>;

  get info(): any {
    return Promise.resolve({
      language_info: { name: this._options.language ?? 'python' }
    });
  }

  requestExecute(content: any): any {
    this.executed.push(content);
    const replies = this._options.executeReply;
    const replyContent = Array.isArray(replies)
      ? (replies.shift() ?? { status: 'ok' })
      : (replies ?? { status: 'ok' });
    const reply = { content: replyContent };
    return { done: Promise.resolve(reply) };
  }

  createComm(target: string): any {
    const comm = new FakeComm(this);
    (comm as any).targetName = target;
    this.comms.push(comm);
    return comm;
  }

  answer(comm: FakeComm, request: IRequest): void {
    const messages = this.answers[request.op];
    if (messages) {
      // Answer asynchronously, as a kernel does.
      setTimeout(() => {
        for (const msg of readdress(messages, request.id)) {
          comm.receive(msg);
        }
      }, 0);
    }
  }
}

/** Answers for every op from the fixtures named after it. */
export function fixtureAnswers(): Record<string, KernelMessage[]> {
  const answers: Record<string, KernelMessage[]> = {};
  for (const [name, fixture] of protocolFixtures()) {
    if (!name.startsWith('error_')) {
      answers[fixture.request.op] = fixture.messages;
    }
  }
  return answers;
}
