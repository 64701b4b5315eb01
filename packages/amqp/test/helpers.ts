import { randomUUID } from 'node:crypto';
import { useRabbitMQ, type UsedService } from '@logq/services';
import { type ChannelModel, type ConfirmChannel, connect } from 'amqplib';

/** The broker of this test file: LOGQ_AMQP_URL (set by the global setup, or by CI), else one started here. */
export async function broker(): Promise<UsedService> {
  return useRabbitMQ();
}

/** A queue name nobody else uses. */
export function freshQueue(prefix = 'logq-test'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A raw amqplib connection for injecting frames, inspecting and cleaning up. */
export class RawClient {
  private constructor(
    readonly connection: ChannelModel,
    readonly channel: ConfirmChannel,
  ) {}

  static async open(url: string): Promise<RawClient> {
    const connection = await connect(url);
    connection.on('error', () => {});
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => {});
    return new RawClient(connection, channel);
  }

  /** Publishes a frame as kombu would (to the exchange named like the queue) and waits for the confirm. */
  async publish(
    queue: string,
    frame: string | Uint8Array,
    properties: Record<string, unknown> = {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      persistent: true,
    },
  ): Promise<void> {
    this.channel.publish(queue, queue, Buffer.from(frame), properties);
    await this.channel.waitForConfirms();
  }

  /** Messages ready in the queue (declares nothing). */
  async depth(queue: string): Promise<number> {
    const probe = await this.connection.createChannel();
    probe.on('error', () => {});
    try {
      return (await probe.checkQueue(queue)).messageCount;
    } finally {
      await probe.close().catch(() => {});
    }
  }

  /** Deletes the queue and exchange of a test. */
  async remove(queue: string): Promise<void> {
    const channel = await this.connection.createChannel();
    channel.on('error', () => {});
    try {
      await channel.deleteQueue(queue);
      await channel.deleteExchange(queue);
    } catch {
      // already gone
    } finally {
      await channel.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => {});
  }
}

/** Collects everything passed to an onError hook. */
export function errorSink(): { errors: unknown[]; hook: (error: unknown) => void; text(): string } {
  const errors: unknown[] = [];
  return {
    errors,
    hook: (error) => errors.push(error),
    text: () => errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))).join('\n'),
  };
}

/** Closes what a test opened, even when it fails: `const track = closer(); afterEach(track.closeAll)`. */
export function closer(): { add<T extends { close(): unknown }>(item: T): T; closeAll(): Promise<void> } {
  const items: { close(): unknown }[] = [];
  return {
    add(item) {
      items.push(item);
      return item;
    },
    async closeAll() {
      for (const item of items.splice(0).reverse()) {
        try {
          await item.close();
        } catch {
          // best effort
        }
      }
    },
  };
}
