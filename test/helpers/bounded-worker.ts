/**
 * Runs a function of the built toolkit in a worker thread with a time bound per call, so that an
 * input that makes it run away fails that one case (the worker is terminated and a new one started)
 * instead of hanging the test file. The worker imports modules from dist/ (what the CLI runs).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { REPO_ROOT } from './cli.js';

export type WorkerAnswer<T> = { readonly kind: 'done'; readonly value: T } | { readonly kind: 'crash'; readonly error: string } | { readonly kind: 'timeout' };

export class BoundedWorker<In, Out> {
  readonly #source: string;
  readonly #timeoutMs: number;
  #worker: Worker | undefined;

  /**
   * `modules` are dist/ paths (`scripts/gitlab/component/load.js`), imported once and passed in
   * order to `body`, the text of an `async (modules, input) => output` function.
   */
  constructor(modules: readonly string[], body: string, timeoutMs: number) {
    const urls = modules.map((m) => {
      const file = path.join(REPO_ROOT, 'dist', m);
      if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
      return pathToFileURL(file).href;
    });
    this.#source = `
      const { parentPort } = require('node:worker_threads');
      const loaded = Promise.all(${JSON.stringify(urls)}.map((url) => import(url)));
      const run = ${body};
      parentPort.on('message', async (input) => {
        try {
          parentPort.postMessage({ kind: 'done', value: await run(await loaded, input) });
        } catch (error) {
          parentPort.postMessage({ kind: 'crash', error: String(error && error.stack || error) });
        }
      });`;
    this.#timeoutMs = timeoutMs;
  }

  run(input: In): Promise<WorkerAnswer<Out>> {
    const worker = (this.#worker ??= new Worker(this.#source, { eval: true }));
    return new Promise((resolve) => {
      const settle = (answer: WorkerAnswer<Out>, discard: boolean) => {
        clearTimeout(timer);
        worker.removeAllListeners('message');
        worker.removeAllListeners('error');
        if (discard) {
          void worker.terminate();
          this.#worker = undefined;
        }
        resolve(answer);
      };
      const timer = setTimeout(() => settle({ kind: 'timeout' }, true), this.#timeoutMs);
      worker.once('message', (answer: WorkerAnswer<Out>) => settle(answer, false));
      // The worker itself died (out of memory, a stack overflow outside the call).
      worker.once('error', (error) => settle({ kind: 'crash', error: String(error.stack ?? error) }, true));
      worker.postMessage(input);
    });
  }

  async close(): Promise<void> {
    await this.#worker?.terminate();
    this.#worker = undefined;
  }
}
