import type { Store } from '../store/types.js';

/** The store's components whose every method call is timed. */
const COMPONENTS = ['catalog', 'transcripts', 'events', 'queue', 'accounts', 'usage', 'retention', 'openai', 'modelCalls'] as const;
type Component = (typeof COMPONENTS)[number];

export interface StoreTimer {
  observeStore(operation: string, backend: string, seconds: number): void;
}

/**
 * The store with every method of its components timed (`catalog.getSession`, …, per backend).
 * Applied once, right after the store opens, so every caller is measured. A method's calls on its
 * own component go to the real object (`this` is the target) and are not counted twice.
 */
export function timeStore(store: Store, timer: StoreTimer): Store {
  const wrapped = new Map<Component, object>();
  for (const name of COMPONENTS) wrapped.set(name, timeComponent(store[name], name, store.backend, timer));
  return new Proxy(store, {
    get(target, prop, receiver) {
      const component = wrapped.get(prop as Component);
      if (component) return component;
      const value: unknown = Reflect.get(target, prop, receiver);
      // ping(), close(): the store's own methods run on the store itself.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function timeComponent<T extends object>(target: T, component: string, backend: string, timer: StoreTimer): T {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'constructor') return value;
      let timed = cache.get(prop);
      if (!timed) {
        const fn = value as (...a: unknown[]) => unknown;
        const operation = `${component}.${prop}`;
        timed = function (this: unknown, ...args: unknown[]) {
          const started = performance.now();
          const done = () => timer.observeStore(operation, backend, (performance.now() - started) / 1000);
          let result: unknown;
          try {
            result = fn.apply(obj, args);
          } catch (err) {
            done();
            throw err;
          }
          if (result instanceof Promise) return result.finally(done);
          done();
          return result;
        };
        cache.set(prop, timed);
      }
      return timed;
    },
  });
}
