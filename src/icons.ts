import { LabIcon } from '@jupyterlab/ui-components';
import modelsSvg from '../style/icons/models.svg';

export const modelsIcon = new LabIcon({
  name: 'jupyterlab-models:models',
  svgstr: modelsSvg
});

/** Short labels of the libraries' badges. */
const LIBRARY_LABELS: Record<string, string> = {
  catboost: 'CB',
  keras: 'K',
  lightgbm: 'LG',
  onnx: 'OX',
  sklearn: 'SK',
  tensorflow: 'TF',
  torch: 'PT',
  xgboost: 'XG'
};

const libraryIcons = new Map<string, LabIcon>();

/** A badge icon per library (themed through the jp-icon classes). */
export function libraryIcon(library: string): LabIcon {
  let icon = libraryIcons.get(library);
  if (!icon) {
    // Only letters and digits reach the SVG markup, whatever a manifest says.
    const label =
      LIBRARY_LABELS[library] ??
      library
        .replace(/[^A-Za-z0-9]/g, '')
        .slice(0, 2)
        .toUpperCase();
    icon = new LabIcon({
      name: `jupyterlab-models:library-${library}`,
      svgstr:
        '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">' +
        '<rect class="jp-icon-brand1" fill="#1976d2" width="16" height="16" rx="3"/>' +
        '<text class="jp-icon-selectable-inverse" fill="#fff" x="8" y="11.5" font-size="7.5" ' +
        `font-family="sans-serif" font-weight="bold" text-anchor="middle">${label}</text></svg>`
    });
    libraryIcons.set(library, icon);
  }
  return icon;
}
