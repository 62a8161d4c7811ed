/**
 * The temporal-consistency panel. The host renders the registered component with its own React,
 * which it does not share: the component is hook-free and returns a plain element whose callback
 * ref mounts the panel's own React 18 root inside it (elements of both copies are compatible).
 */
import React from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { PANEL_NAME, SERVICE_NAME } from './id.js';
import { TemporalConsistencyPanel } from './panels/TemporalConsistencyPanel.js';
import type { TrusSegmentationService } from './services/TrusSegmentationService.js';
import type { ModuleContext } from './types/ohif.js';

export function mountPanel(node: HTMLElement, service: TrusSegmentationService): Root {
  const root = createRoot(node);
  root.render(<TemporalConsistencyPanel service={service} />);
  return root;
}

export default function getPanelModule({ servicesManager }: ModuleContext) {
  const service = servicesManager.services[SERVICE_NAME] as TrusSegmentationService;
  let mounted: { node: HTMLElement; root: Root } | undefined;
  let pendingUnmount: ReturnType<typeof setTimeout> | undefined;
  // One ref callback for the panel's lifetime: React then calls it only when the node comes or goes.
  const ref = (node: HTMLDivElement | null) => {
    if (node) {
      clearTimeout(pendingUnmount);
      if (mounted?.node === node) return;
      mounted?.root.unmount();
      mounted = { node, root: mountPanel(node, service) };
    } else if (mounted) {
      const old = mounted;
      // Unmounting inside the host's commit phase is not allowed: after it, unless the node came back.
      pendingUnmount = setTimeout(() => {
        if (mounted === old) mounted = undefined;
        old.root.unmount();
      }, 0);
    }
  };
  const PanelHost = () => React.createElement('div', { className: 'h-full overflow-y-auto', 'data-panel': PANEL_NAME, ref });
  return [
    {
      name: PANEL_NAME,
      iconName: 'tool-stack-scroll',
      iconLabel: 'TRUS',
      label: 'TRUS Cine',
      component: PanelHost,
    },
  ];
}
