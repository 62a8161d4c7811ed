/**
 * Lets queued events run (a cancel message in a worker, SIGINT in the CLI) between batches of a
 * long loop whose awaits would otherwise all settle as microtasks. setImmediate in Node; a
 * MessageChannel in browsers and workers, because nested setTimeout(0) is clamped to 4 ms.
 */
let channel: MessageChannel | undefined;
const waiting: (() => void)[] = [];

export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    if (!channel) {
      channel = new MessageChannel();
      channel.port1.onmessage = () => waiting.shift()?.();
    }
    return new Promise((resolve) => {
      waiting.push(resolve);
      channel!.port2.postMessage(0);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
