/**
 * Worker thread of `loader.ts`: receives one `init` (a `ProducerInit`), then makes the batches it
 * is asked for and posts them back with their buffers transferred (zero-copy). A failure is
 * answered as `{ type: 'error', job, message }` naming the case; the worker keeps serving.
 */
import { parentPort } from 'node:worker_threads';
import { BatchProducer, type LoaderReply, type LoaderRequest } from './loader.js';

let producer: BatchProducer | null = null;

parentPort?.on('message', (m: LoaderRequest) => {
  if (m.type === 'init') {
    producer = new BatchProducer(m.init);
    return;
  }
  const reply = (r: LoaderReply, transfer: ArrayBuffer[] = []): void => parentPort?.postMessage(r, transfer);
  if (!producer) {
    reply({ type: 'error', job: m.job, message: 'worker received a batch request before init' });
    return;
  }
  producer.produce(m.epoch, m.iteration).then(
    (batch) => {
      const buffers = [batch.image.buffer, batch.target.buffer, ...(batch.phi ? [batch.phi.buffer] : [])];
      reply({ type: 'batch', job: m.job, batch }, buffers as ArrayBuffer[]);
    },
    (e: unknown) => reply({ type: 'error', job: m.job, message: e instanceof Error ? e.message : String(e) }),
  );
});
