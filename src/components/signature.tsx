/**
 * A model's signature (extra.signature, written by each format's describe() at save time):
 * inputs and outputs as tables, any other key as a labelled row. Keys it does not know (a
 * format added later) get their key as label.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { IModelInfo } from '../protocol';

export interface ITensorSpec {
  name?: string | null;
  shape?: (number | string | null)[] | null;
  dtype?: string | null;
}

/** The signature of a manifest; null for a version saved before signatures were kept. */
export function signatureOf(info: IModelInfo): Record<string, unknown> | null {
  const kept = info.extra['signature'];
  const signature =
    kept && typeof kept === 'object' && !Array.isArray(kept)
      ? { ...(kept as Record<string, unknown>) }
      : null;
  // torch.export keeps the example's inputs and outputs in extra itself.
  for (const key of ['inputs', 'outputs']) {
    if (signature && signature[key] === undefined && info.extra[key]) {
      signature[key] = info.extra[key];
    }
  }
  return signature;
}

export function signatureLabels(
  trans: TranslationBundle
): Record<string, string> {
  return {
    inputs: trans.__('Inputs'),
    outputs: trans.__('Outputs'),
    classes: trans.__('Classes'),
    feature_names: trans.__('Feature names'),
    n_features: trans.__('Features'),
    n_rows: trans.__('Rows'),
    parameters: trans.__('Parameters'),
    layers: trans.__('Layers'),
    trees: trans.__('Trees'),
    objective: trans.__('Objective'),
    steps: trans.__('Steps'),
    variables: trans.__('Variables'),
    nodes: trans.__('Nodes'),
    opsets: trans.__('Opsets'),
    producer: trans.__('Producer'),
    architecture: trans.__('Architecture'),
    model_type: trans.__('Model type'),
    dtype: trans.__('Data type'),
    task: trans.__('Task'),
    base_model: trans.__('Base model'),
    adapter_type: trans.__('Adapter type'),
    rank: trans.__('Rank'),
    target_modules: trans.__('Target modules')
  };
}

/** Lists longer than this show their first items and their count. */
const LIST_PREVIEW = 20;

/** A signature value in words: lists joined, maps as "key: value", numbers grouped. */
export function signatureValue(
  value: unknown,
  trans: TranslationBundle,
  locale = 'en'
): string {
  if (value === null || value === undefined) {
    return '—';
  }
  if (typeof value === 'number') {
    return formatNumber(value, locale);
  }
  if (Array.isArray(value)) {
    const shown = value
      .slice(0, LIST_PREVIEW)
      .map(item => signatureValue(item, trans, locale));
    return value.length > LIST_PREVIEW
      ? trans.__('%1, … (%2 in all)', shown.join(', '), value.length)
      : shown.join(', ');
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${signatureValue(v, trans, locale)}`)
      .join(', ');
  }
  return String(value);
}

function formatNumber(value: number, locale: string): string {
  try {
    return value.toLocaleString(locale.replace('_', '-'));
  } catch {
    return String(value);
  }
}

/** A shape as people write it: [None, 4] → "(?, 4)". */
export function shapeText(shape: ITensorSpec['shape']): string {
  if (!Array.isArray(shape)) {
    return '—';
  }
  return `(${shape.map(d => (d === null ? '?' : String(d))).join(', ')})`;
}

export function SignatureView(props: {
  signature: Record<string, unknown> | null;
  trans: TranslationBundle;
  locale?: string;
}): JSX.Element {
  const { signature, trans } = props;
  if (!signature || Object.keys(signature).length === 0) {
    return (
      <p className="jp-Models-empty">
        {trans.__(
          'The signature was not recorded (this version was saved before signatures were kept, or the library could not tell).'
        )}
      </p>
    );
  }
  const labels = signatureLabels(trans);
  const rows = Object.entries(signature).filter(
    ([key]) => key !== 'inputs' && key !== 'outputs'
  );
  return (
    <div className="jp-Models-signature">
      {(['inputs', 'outputs'] as const).map(key =>
        Array.isArray(signature[key]) ? (
          <TensorTable
            key={key}
            caption={labels[key]}
            specs={signature[key] as ITensorSpec[]}
            trans={trans}
          />
        ) : null
      )}
      {rows.length > 0 && (
        <dl className="jp-Models-fieldList">
          {rows.map(([key, value]) => (
            <React.Fragment key={key}>
              <dt>{labels[key] ?? key}</dt>
              <dd data-signature={key}>
                {signatureValue(value, trans, props.locale)}
              </dd>
            </React.Fragment>
          ))}
        </dl>
      )}
    </div>
  );
}

function TensorTable(props: {
  caption: string;
  specs: ITensorSpec[];
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  return (
    <table className="jp-Models-table" aria-label={props.caption}>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th>{trans.__('Name')}</th>
          <th>{trans.__('Shape')}</th>
          <th>{trans.__('Type')}</th>
        </tr>
      </thead>
      <tbody>
        {props.specs.map((spec, index) => (
          <tr key={index}>
            <td>{spec.name ?? '—'}</td>
            <td>{shapeText(spec.shape)}</td>
            <td>{spec.dtype ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One line for the sidebar: "4 features, 2 classes, 5 trees", as far as known. */
export function signatureSummary(
  signature: Record<string, unknown> | null,
  trans: TranslationBundle
): string {
  if (!signature) {
    return trans.__('not recorded');
  }
  const count = (key: string) => {
    const value = signature[key];
    return Array.isArray(value) ? value.length : value;
  };
  const parts: string[] = [];
  const inputs = signature['inputs'];
  if (Array.isArray(inputs) && inputs.length > 0) {
    parts.push(
      trans._n('%1 input', '%1 inputs', inputs.length) +
        ` ${shapeText((inputs[0] as ITensorSpec).shape)}`
    );
  }
  const nFeatures = count('n_features');
  if (typeof nFeatures === 'number') {
    parts.push(trans._n('%1 feature', '%1 features', nFeatures));
  }
  const classes = count('classes');
  if (typeof classes === 'number') {
    parts.push(trans._n('%1 class', '%1 classes', classes));
  }
  const { trees, layers, parameters } = signature;
  if (typeof trees === 'number') {
    parts.push(trans._n('%1 tree', '%1 trees', trees));
  }
  if (typeof layers === 'number') {
    parts.push(trans._n('%1 layer', '%1 layers', layers));
  }
  if (typeof parameters === 'number') {
    parts.push(trans._n('%1 parameter', '%1 parameters', parameters));
  }
  return parts.join(', ') || '—';
}
