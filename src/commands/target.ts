/** A model version named in a command's arguments (a model card's row), if any. */
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

export interface IModelVersion {
  name: string;
  version: number;
}

export function versionFromArgs(
  args: ReadonlyPartialJSONObject
): IModelVersion | undefined {
  return typeof args.name === 'string' && typeof args.version === 'number'
    ? { name: args.name, version: args.version }
    : undefined;
}
