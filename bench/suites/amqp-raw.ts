// What raw amqplib needs in the amqp and scale suites: a connection, logq's topology, kombu's properties.
import { type Channel, type ChannelModel, connect } from 'amqplib';

/** kombu's properties, as logq sends them and the raw producers too. */
export const PROPERTIES = {
  contentType: 'application/json',
  contentEncoding: 'utf-8',
  headers: {},
  deliveryMode: 2,
  priority: 0,
};

/** A connection whose 'error' events are ignored (a closing broker must not crash the bench). */
export async function rawConnection(url: string): Promise<ChannelModel> {
  const connection = await connect(url);
  connection.on('error', () => undefined);
  return connection;
}

/** The same topology logq declares (kombu's SimpleQueue). */
export async function declare(channel: Channel, queue: string): Promise<void> {
  await channel.assertExchange(queue, 'direct', { durable: true, autoDelete: false });
  await channel.assertQueue(queue, { durable: true, autoDelete: false });
  await channel.bindQueue(queue, queue, queue);
}
