/** unlessAborted: a caller stops waiting at once when its signal aborts, whatever the work does. */
import { unlessAborted } from '../../src/util/unlessAborted.js';

describe('unlessAborted', () => {
  it('gives the work its result, or its failure, when the signal stays quiet', async () => {
    const controller = new AbortController();
    await expect(unlessAborted(Promise.resolve(7), controller.signal)).resolves.toBe(7);
    await expect(unlessAborted(Promise.reject(new Error('broken')), controller.signal)).rejects.toThrow('broken');
    await expect(unlessAborted(Promise.resolve('no signal'), undefined)).resolves.toBe('no signal');
  });

  it("rejects with the signal's reason as it aborts, though the work never settles", async () => {
    const controller = new AbortController();
    const waiting = unlessAborted(new Promise<never>(() => undefined), controller.signal);
    controller.abort(new Error('cancelled by the user'));
    await expect(waiting).rejects.toThrow('cancelled by the user');
  });

  it('refuses to start on an aborted signal, and leaves no listener behind', async () => {
    const controller = new AbortController();
    controller.abort(new Error('already'));
    await expect(unlessAborted(Promise.resolve(1), controller.signal)).rejects.toThrow('already');
    const quiet = new AbortController();
    const added: unknown[] = [];
    const removed: unknown[] = [];
    const add = quiet.signal.addEventListener.bind(quiet.signal);
    const remove = quiet.signal.removeEventListener.bind(quiet.signal);
    quiet.signal.addEventListener = ((type: string, listener: EventListener, options?: AddEventListenerOptions) => {
      added.push(listener);
      add(type, listener, options);
    }) as typeof quiet.signal.addEventListener;
    quiet.signal.removeEventListener = ((type: string, listener: EventListener) => {
      removed.push(listener);
      remove(type, listener);
    }) as typeof quiet.signal.removeEventListener;
    for (let i = 0; i < 3; i++) await unlessAborted(Promise.resolve(i), quiet.signal);
    expect(added).toHaveLength(3);
    expect(removed).toEqual(added);
  });
});
