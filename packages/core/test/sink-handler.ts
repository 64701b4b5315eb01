import { QueueHandler, type QueueHandlerOptions } from '../src/transport.js';

/** A test transport: batches reach `received` one event-loop turn after they are sent; `down` fails every connect. */
export class SinkHandler extends QueueHandler<string> {
  readonly received: string[] = [];
  down = false;

  constructor(options: QueueHandlerOptions = {}) {
    super({ onError: () => {}, ...options });
  }

  protected async connect(): Promise<void> {
    if (this.down) throw new Error('broker down');
  }

  protected async sendBatch(batch: readonly string[]): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.down) throw new Error('broker down');
    this.received.push(...batch);
  }

  protected async disconnect(): Promise<void> {}
}
