/**
 * The views, rendered in jsdom with the protocol fixtures' data: the model list, the compact
 * details, the Save and Load dialogs, the signature and the model card.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Signal } from '@lumino/signaling';
import * as React from 'react';
import { cardId, createCardWidget, manifestRows } from '../components/card';
import { ModelDetails } from '../components/details';
import {
  BaseNameDialogBody,
  LoadDialogBody,
  SaveDialogBody
} from '../components/dialogs';
import { ModelList } from '../components/list';
import {
  signatureOf,
  signatureSummary,
  SignatureView
} from '../components/signature';
import { ModelCardModel } from '../models/card';
import { ModelsModel } from '../models/modelsModel';
import { IModelInfo } from '../protocol';
import { CommandIDs } from '../tokens';
import { FakeKernel, fixtureAnswers, protocolFixtures } from './fixtures';
import { render, settle } from './render';

const trans = nullTranslator.load('jupyterlab_models');

function result(name: string): any {
  const messages = protocolFixtures().get(name)!.messages;
  return (messages[messages.length - 1] as any).result;
}

const summaries = () => result('list').models as IModelInfo[];
const manifest = (): IModelInfo => result('versions').versions[0];

function listProps(overrides: Record<string, unknown> = {}): any {
  return {
    models: summaries(),
    versionCount: () => 2,
    total: summaries().length,
    selected: null,
    listState: { query: '', sort: 'name' },
    onListState: jest.fn(),
    onSelect: jest.fn(),
    onOpen: jest.fn(),
    onMove: jest.fn(),
    onDelete: jest.fn(),
    progress: null,
    progressed: new Signal<any, any>({}),
    trans,
    ...overrides
  };
}

describe('ModelList', () => {
  it('shows one row per model with its versions, size and UTC date', async () => {
    const { node, unmount } = await render(<ModelList {...listProps()} />);
    const rows = node.querySelectorAll('[role="option"]');
    expect(rows).toHaveLength(summaries().length);
    const first = rows[0];
    expect(first.getAttribute('aria-label')).toBe(summaries()[0].name);
    expect(first.textContent).toContain('2 versions');
    expect(first.querySelector('.jp-Models-itemDate')!.textContent).toMatch(
      /^\d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC$/
    );
    unmount();
  });

  it('selects on click, opens on double-click, moves with the arrows', async () => {
    const props = listProps();
    const { node, unmount } = await render(<ModelList {...props} />);
    const row = node.querySelector('[role="option"]') as HTMLElement;
    await settle(() => row.click());
    expect(props.onSelect).toHaveBeenCalledWith(summaries()[0].name);
    await settle(() =>
      row.dispatchEvent(new MouseEvent('dblclick', { bubbles: true }))
    );
    expect(props.onOpen).toHaveBeenCalledWith(summaries()[0].name);
    const list = node.querySelector('[role="listbox"]') as HTMLElement;
    await settle(() =>
      list.dispatchEvent(
        new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true })
      )
    );
    expect(props.onMove).toHaveBeenCalledWith(1);
    unmount();
  });

  it('says the store is empty, or that nothing matches the search', async () => {
    const empty = await render(
      <ModelList {...listProps({ models: [], total: 0 })} />
    );
    expect(empty.node.textContent).toContain('No models in this store yet');
    empty.unmount();
    const none = await render(
      <ModelList
        {...listProps({ models: [], listState: { query: 'zz', sort: 'name' } })}
      />
    );
    expect(none.node.textContent).toContain('No model matches "zz"');
    none.unmount();
  });

  it('sorts through its select', async () => {
    const props = listProps();
    const { node, unmount } = await render(<ModelList {...props} />);
    const select = node.querySelector(
      'select[aria-label="Sort by"]'
    ) as HTMLSelectElement;
    expect(Array.from(select.options).map(o => o.value)).toEqual([
      'name',
      'date',
      'size'
    ]);
    await settle(() => {
      select.value = 'size';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(props.onListState).toHaveBeenCalledWith({ sort: 'size' });
    unmount();
  });

  it('updates the bar of a slow save from the progress signal alone', async () => {
    const progressed = new Signal<any, any>({});
    const op = {
      kind: 'save' as const,
      target: summaries()[0].name,
      done: 0,
      total: 0,
      slow: true
    };
    const { node, unmount } = await render(
      <ModelList {...listProps({ progress: op, progressed })} />
    );
    const bar = () => node.querySelector('[role="progressbar"]') as HTMLElement;
    expect(bar().classList).toContain('jp-mod-indeterminate');
    await settle(() => progressed.emit({ ...op, done: 25, total: 100 }));
    expect(bar().getAttribute('aria-valuenow')).toBe('25');
    unmount();
  });
});

describe('ModelDetails', () => {
  it('sums the version up, with the signature in one line and its actions', async () => {
    const commands = new CommandRegistry();
    for (const id of [
      CommandIDs.openCard,
      CommandIDs.load,
      CommandIDs.copyLoadCode,
      CommandIDs.deleteModel
    ]) {
      commands.addCommand(id, { label: id.split(':')[1], execute: () => 0 });
    }
    const info = manifest();
    const { node, unmount } = await render(
      <ModelDetails
        model={info}
        kernelVersions={{ lightgbm: '1.0.0' }}
        versions={[info]}
        onVersion={jest.fn()}
        commands={commands}
        trans={trans}
      />
    );
    const field = (key: string) =>
      node.querySelector(`dd[data-field="${key}"]`)!;
    expect(field('name').textContent).toBe(info.name);
    expect(field('class').textContent).toBe(info.type.split('.').pop());
    expect(field('class').getAttribute('title')).toBe(info.type);
    expect(field('signature').textContent).toContain('features');
    // A kernel with an older major version of the library is warned about.
    expect(node.textContent).toContain('this kernel has 1.0.0');
    const buttons = Array.from(node.querySelectorAll('jp-button, button'));
    expect(buttons.map(b => b.getAttribute('aria-label'))).toEqual([
      'open-card',
      'load',
      'copy-load-code',
      'delete'
    ]);
    unmount();
  });
});

describe('the dialogs', () => {
  it('Save: the name follows the variable and says why a name is refused', async () => {
    const variables = result('variables').variables;
    const body = new SaveDialogBody(
      variables,
      { variable: variables[0].name, name: variables[0].name, description: '' },
      name => (name === 'taken' ? 3 : 1),
      trans
    );
    const { node, unmount } = await render((body as any).render());
    const name = node.querySelector(
      'input[aria-label="Model name"]'
    ) as HTMLInputElement;
    expect(name.value).toBe(variables[0].name);
    const type = async (value: string) =>
      settle(() => {
        const setter = Object.getOwnPropertyDescriptor(
          HTMLInputElement.prototype,
          'value'
        )!.set!;
        setter.call(name, value);
        name.dispatchEvent(new Event('input', { bubbles: true }));
      });
    await type('a/b');
    expect(node.querySelector('[role="alert"]')!.textContent).toContain(
      '"/" is not allowed'
    );
    await type('taken');
    expect(node.textContent).toContain('saved as version 3');
    unmount();
  });

  it('Load: a keyword is not a variable name', async () => {
    const body = new LoadDialogBody('clf', trans);
    const { node, unmount } = await render((body as any).render());
    const input = node.querySelector('input') as HTMLInputElement;
    await settle(() => {
      Object.getOwnPropertyDescriptor(
        HTMLInputElement.prototype,
        'value'
      )!.set!.call(input, 'class');
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(node.querySelector('[role="alert"]')!.textContent).toContain(
      'keyword'
    );
    expect(body.getValue()).toBe('class');
    unmount();
  });

  it('asks the name of an adapter base, says why, and checks it as typed', async () => {
    const body = new BaseNameDialogBody(
      'lora',
      'GPT2LMHeadModel',
      'lora-base',
      name => (name === 'gpt2' ? 2 : 1),
      trans
    );
    const { node, unmount } = await render((body as any).render());
    expect(node.textContent).toContain('The adapter "lora"');
    expect(node.textContent).toContain('(GPT2LMHeadModel), which is not in');
    const input = node.querySelector('input') as HTMLInputElement;
    expect(input.value).toBe('lora-base');
    const type = async (value: string) =>
      settle(() => {
        Object.getOwnPropertyDescriptor(
          HTMLInputElement.prototype,
          'value'
        )!.set!.call(input, value);
        input.dispatchEvent(new Event('input', { bubbles: true }));
      });
    await type('.hidden');
    expect(node.querySelector('[role="alert"]')).not.toBeNull();
    await type('gpt2');
    expect(node.querySelector('[role="alert"]')).toBeNull();
    expect(node.textContent).toContain('saved as version 2');
    await type('Mode\u0301l'); // NFD in, NFC out
    expect(body.getValue()).toBe('Mod\u00e9l');
    unmount();
  });
});

describe('the signature', () => {
  it('renders inputs and outputs as tables and other keys as labelled rows', async () => {
    const signature = {
      inputs: [{ name: 'x', shape: [null, 4], dtype: 'float32' }],
      outputs: [{ name: 'y', shape: [null, 1], dtype: 'float32' }],
      parameters: 1234567,
      architecture: 'LlamaForCausalLM',
      something_new: [1, 2]
    };
    const { node, unmount } = await render(
      <SignatureView signature={signature} trans={trans} />
    );
    const tables = node.querySelectorAll('table');
    expect(Array.from(tables).map(t => t.getAttribute('aria-label'))).toEqual([
      'Inputs',
      'Outputs'
    ]);
    expect(tables[0].querySelector('tbody')!.textContent).toBe(
      'x(?, 4)float32'
    );
    const dts = Array.from(node.querySelectorAll('dt')).map(d => d.textContent);
    expect(dts).toEqual(['Parameters', 'Architecture', 'something_new']);
    expect(
      node.querySelector('dd[data-signature="parameters"]')!.textContent
    ).toBe('1,234,567');
    unmount();
  });

  it('says when an old manifest has none', async () => {
    const old = { ...manifest(), extra: {} };
    expect(signatureOf(old)).toBeNull();
    expect(signatureSummary(null, trans)).toBe('not recorded');
    const { node, unmount } = await render(
      <SignatureView signature={null} trans={trans} />
    );
    expect(node.textContent).toContain('was not recorded');
    unmount();
  });
});

describe('the model card', () => {
  async function cardOf() {
    const model = new ModelsModel({});
    const kernel = new FakeKernel({ answers: fixtureAnswers() });
    model.setNotebook({
      path: 'n.ipynb',
      sessionContext: {
        session: { kernel },
        kernelChanged: new Signal<any, any>({}),
        statusChanged: new Signal<any, any>({}),
        ready: Promise.resolve()
      } as any
    });
    await new Promise<void>(resolve => {
      const check = () => model.store.loaded && resolve();
      model.store.changed.connect(check);
    });
    const name = result('versions').versions[0].name;
    const card = new ModelCardModel(model, name);
    await new Promise<void>(resolve => {
      const check = () => card.versions.length > 0 && resolve();
      card.changed.connect(check);
      check();
    });
    return { model, card };
  }

  it('shows every field, the versions, the files, and compares two versions', async () => {
    const { card } = await cardOf();
    const commands = new CommandRegistry();
    const widget = createCardWidget({ card, commands, trans, locale: 'en' });
    expect(widget.id).toBe(cardId(card.name));
    const { node, unmount } = await render(
      (widget.content as any).render() as any
    );
    const info = card.current!;
    for (const [key] of manifestRows(info, trans, 'en')) {
      expect(node.querySelector(`dd[data-field="${key}"]`)).not.toBeNull();
    }
    const files = node.querySelector('table[aria-label="Files"]')!;
    expect(files.querySelectorAll('tbody tr')).toHaveLength(info.files.length);
    const versions = node.querySelector('table[aria-label="Versions"]')!;
    expect(versions.querySelectorAll('tbody tr')).toHaveLength(
      card.versions.length
    );
    // Ticks for comparison: only versions that exist; a table once two are ticked.
    await settle(() => {
      card.toggleCompare(info.version);
      card.toggleCompare(info.version + 100);
    });
    expect(card.compared).toEqual([info.version]);
    expect(node.querySelector('.jp-Models-comparison')).toBeNull();
    unmount();
    widget.dispose();
  });
});
