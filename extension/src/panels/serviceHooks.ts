/** React hooks that follow the service: its state, the frame the viewport shows, and how long a wait it reports has lasted. */
import { useEffect, useRef, useState } from 'react';
import type { ServiceState, TrusSegmentationService } from '../services/TrusSegmentationService.js';
import { isWhole, type TransferProgress } from '../../../src/util/httpTransfer.js';

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

/**
 * The milliseconds since a transfer under way last moved (its byte count last changed), counted
 * each second; undefined when there is none or all of it has gone (a wait of another kind).
 */
export function useMsSinceMoved(progress: TransferProgress | undefined): number | undefined {
  const moved = useRef<{ received: number; at: number } | undefined>(undefined);
  if (progress === undefined || isWhole(progress)) moved.current = undefined;
  else if (moved.current?.received !== progress.received) moved.current = { received: progress.received, at: Date.now() };
  return useMsSince(moved.current?.at);
}
