/** React hooks that follow the service: its state, the frame the viewport shows, and how long a wait it reports has lasted. */
import { useEffect, useState } from 'react';
import type { ServiceState, TrusSegmentationService } from '../services/TrusSegmentationService.js';

export function useServiceState(service: TrusSegmentationService): ServiceState {
  const [state, setState] = useState(service.getState());
  useEffect(() => {
    const sub = service.subscribe(setState);
    setState(service.getState());
    return () => sub.unsubscribe();
  }, [service]);
  return state;
}

/** The viewport's frame, polled: the viewport is re-created by the host whenever the layout changes. */
export function useCurrentFrame(service: TrusSegmentationService): number | undefined {
  const [frame, setFrame] = useState<number | undefined>(undefined);
  useEffect(() => {
    const timer = setInterval(() => {
      try {
        setFrame(service.currentFrameNumber());
      } catch {
        setFrame(undefined);
      }
    }, 200);
    return () => clearInterval(timer);
  }, [service]);
  return frame;
}

/** The milliseconds since `since`, re-rendered each second while it is set (a wait the panel counts). */
export function useMsSince(since: number | undefined): number | undefined {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (since === undefined) return undefined;
    const timer = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [since]);
  return since === undefined ? undefined : Date.now() - since;
}
