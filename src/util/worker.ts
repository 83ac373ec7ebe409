/**
 * Starting worker threads on a module of meatus, whether it runs from its TypeScript sources
 * (through tsx) or compiled to JavaScript. Node 20 applies neither the parent's loader hooks nor
 * `execArgv: ['--import', 'tsx']` to worker threads, so for a `.ts` module a two-line bootstrap
 * registers tsx inside the worker before importing it.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The URL of a sibling module of `importMetaUrl` (`name` without extension), `.ts` or `.js` like it. */
export function siblingModule(importMetaUrl: string, name: string): URL {
  const ext = importMetaUrl.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, importMetaUrl);
}

/**
 * Starts a worker that imports `url` and then, if given, calls its export `main` (with no argument).
 * @param options passed to the Worker (e.g. `workerData`).
 */
export function startModuleWorker(url: URL, options: Omit<WorkerOptions, 'eval'> = {}, main?: string): Worker {
  const then = main ? `.then((m) => m[${JSON.stringify(main)}]())` : '';
  if (!url.pathname.endsWith('.ts')) {
    return main ? new Worker(`import(${JSON.stringify(url.href)})${then};`, { ...options, eval: true }) : new Worker(url, options);
  }
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(url.href)}); })${then};`;
  return new Worker(code, { ...options, eval: true });
}
