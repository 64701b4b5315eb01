import type { AmqpChannel, AmqpMessage } from '../src/amqplib-types.js';
import { AckBatcher } from '../src/ack-batcher.js';

/** Records what would go to the broker, and checks it as RabbitMQ would (an unknown tag is a 406). */
function fakeChannel() {
  const sent: string[] = [];
  const outstanding = new Set<number>();
  const settle = (tag: number, multiple: boolean, what: string) => {
    if (!outstanding.has(tag)) throw new Error(`406 PRECONDITION_FAILED - unknown delivery tag ${tag}`);
    if (multiple) for (const t of [...outstanding]) if (t <= tag) outstanding.delete(t);
    outstanding.delete(tag);
    sent.push(`${what}${multiple ? '*' : ''} ${tag}`);
  };
  const channel = {
    ack: (m: AmqpMessage, multiple = false) => settle(m.fields.deliveryTag, multiple, 'ack'),
    nack: (m: AmqpMessage, multiple = false) => settle(m.fields.deliveryTag, multiple, 'nack'),
  } as unknown as AmqpChannel;
  const deliver = (tag: number): AmqpMessage => {
    outstanding.add(tag);
    return { content: Buffer.alloc(0), fields: { deliveryTag: tag, redelivered: false }, properties: {} };
  };
  return { channel, sent, outstanding, deliver };
}

describe('AckBatcher', () => {
  it('sends one multiple ack for a run of acks', () => {
    const f = fakeChannel();
    const acks = new AckBatcher(
      f.channel,
      100,
      () => true,
      () => {},
    );
    const messages = [1, 2, 3, 4].map((t) => f.deliver(t));
    for (const m of messages) acks.delivered(m);
    for (const m of messages) acks.ack(m);
    acks.flush();
    expect(f.sent).toEqual(['ack* 4']);
    expect(f.outstanding.size).toBe(0);
  });

  it('never covers a delivery that is still unsettled; acks beyond it go singly', () => {
    const f = fakeChannel();
    const acks = new AckBatcher(
      f.channel,
      100,
      () => true,
      () => {},
    );
    const [m1, m2, m3, m4] = [1, 2, 3, 4].map((t) => f.deliver(t)) as [
      AmqpMessage,
      AmqpMessage,
      AmqpMessage,
      AmqpMessage,
    ];
    for (const m of [m1, m2, m3, m4]) acks.delivered(m);
    acks.ack(m1);
    acks.ack(m3);
    acks.ack(m4);
    acks.flush();
    expect(f.sent).toEqual(['ack* 1', 'ack 3', 'ack 4']);
    expect([...f.outstanding]).toEqual([2]);
    acks.ack(m2);
    acks.flush();
    expect(f.outstanding.size).toBe(0);
  });

  it('rejects at once and never names a rejected tag in a multiple ack', () => {
    const f = fakeChannel();
    const acks = new AckBatcher(
      f.channel,
      100,
      () => true,
      () => {},
    );
    const [m1, m2, m3] = [1, 2, 3].map((t) => f.deliver(t)) as [AmqpMessage, AmqpMessage, AmqpMessage];
    for (const m of [m1, m2, m3]) acks.delivered(m);
    acks.ack(m1);
    acks.reject(m3);
    acks.ack(m2);
    acks.flush();
    expect(f.sent).toEqual(['nack 3', 'ack* 2']);
    expect(f.outstanding.size).toBe(0);
  });

  it('flushes when flushAt acks wait, and on the next event-loop turn otherwise', async () => {
    const f = fakeChannel();
    const acks = new AckBatcher(
      f.channel,
      2,
      () => true,
      () => {},
    );
    const ms = [1, 2, 3].map((t) => f.deliver(t));
    for (const m of ms) acks.delivered(m);
    acks.ack(ms[0]!);
    expect(f.sent).toEqual([]);
    acks.ack(ms[1]!);
    expect(f.sent).toEqual(['ack* 2']);
    acks.ack(ms[2]!);
    await new Promise((r) => setImmediate(r));
    expect(f.sent).toEqual(['ack* 2', 'ack* 3']);
  });

  it('counts acks that can no longer go out', () => {
    const f = fakeChannel();
    let lost = 0;
    let alive = true;
    const acks = new AckBatcher(
      f.channel,
      100,
      () => alive,
      (n) => (lost += n),
    );
    const ms = [1, 2].map((t) => f.deliver(t));
    for (const m of ms) acks.delivered(m);
    for (const m of ms) acks.ack(m);
    alive = false;
    acks.flush();
    expect(lost).toBe(2);
    expect(f.sent).toEqual([]);
  });
});
