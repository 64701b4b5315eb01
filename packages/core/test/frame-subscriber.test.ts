import { runInNewContext } from 'node:vm';
import { RecordDecodeError } from '../src/index.js';
import { FrameSubscriber, type ParsedFrame, type RawFrame, type SubscriberOptions } from '../src/transport.js';

/** A FrameSubscriber over a fixed list of frames, recording acks and rejects. */
class ListSubscriber extends FrameSubscriber {
  readonly acked: number[] = [];
  readonly rejected: number[] = [];
  readonly errors: unknown[] = [];
  private readonly frames: (RawFrame | ParsedFrame)[];

  constructor(
    frames: readonly (Omit<RawFrame, 'ack' | 'reject'> | Omit<ParsedFrame, 'ack' | 'reject'>)[],
    options: SubscriberOptions = {},
  ) {
    super({ onError: (error) => this.errors.push(error), ...options });
    this.frames = frames.map((frame, i) => ({
      ...frame,
      ack: () => void this.acked.push(i),
      reject: () => void this.rejected.push(i),
    }));
  }

  protected async receiveFrame(): Promise<RawFrame | ParsedFrame | null> {
    return this.frames.shift() ?? null;
  }
}

const dict = (msg: string): Record<string, unknown> => ({
  channel: 'c',
  level: 13,
  msg,
  time: '2026-01-02T03:04:05.678901Z',
  args: [1],
  kwargs: { k: 'v' },
  extra: { e: true },
});

describe('FrameSubscriber with parsed dicts', () => {
  it('decodes a dict like the text of the same record, and adopts its parts', async () => {
    const sent = dict('hello {0}');
    const sub = new ListSubscriber([{ dict: sent }, { data: JSON.stringify(dict('hello {0}')) }]);
    const fromDict = await sub.recv(0);
    const fromText = await sub.recv(0);
    expect(fromDict?.toDict()).toEqual(fromText?.toDict());
    expect(fromDict?.args).toBe(sent.args);
    expect(fromDict?.kwargs).toBe(sent.kwargs);
    expect(sub.acked).toEqual([0, 1]);
    expect(sub.stats).toMatchObject({ received: 2, malformed: 0 });
  });

  it('counts, reports and rejects a dict that is not a record, and goes on', async () => {
    const sub = new ListSubscriber([
      { dict: { channel: 'c', msg: 'no level' } },
      { dict: ['not', 'a', 'dict'] as unknown as Record<string, unknown> },
      { dict: dict('ok') },
    ]);
    expect((await sub.recv(0))?.msg).toBe('ok');
    expect(sub.rejected).toEqual([0, 1]);
    expect(sub.acked).toEqual([2]);
    expect(sub.stats).toMatchObject({ received: 3, malformed: 2, errors: 2 });
    expect(sub.errors.every((error) => error instanceof RecordDecodeError)).toBe(true);
    expect(String(sub.errors[0])).toMatch(/numeric "level"/);
  });

  it('measures a dict that arrived larger than maxRecordBytes as JSON, and refuses it only if that is larger too', async () => {
    const big = dict('x'.repeat(2000));
    const sub = new ListSubscriber(
      [
        { dict: big, bytes: 5000 },
        { dict: dict('small enough as JSON'), bytes: 5000 },
        { dict: big }, // no size given: not measured
      ],
      { maxRecordBytes: 1000 },
    );
    expect((await sub.recv(0))?.msg).toBe('small enough as JSON');
    expect((await sub.recv(0))?.msg).toHaveLength(2000);
    expect(sub.rejected).toEqual([0]);
    expect(String(sub.errors[0])).toMatch(/record of \d+ bytes exceeds maxRecordBytes \(1000\)/);
  });

  it('takes a dict from another realm through its JSON text, so the record holds no foreign prototypes', async () => {
    const foreign = runInNewContext(
      '({ channel: "c", level: 13, msg: "m", args: [1], kwargs: { k: 1 }, extra: {} })',
    ) as Record<string, unknown>;
    expect(Object.getPrototypeOf(foreign)).not.toBe(Object.prototype);
    const sub = new ListSubscriber([{ dict: foreign }]);
    const record = await sub.recv(0);
    expect(record?.args).toEqual([1]);
    expect(Object.getPrototypeOf(record?.args)).toBe(Array.prototype);
    expect(Object.getPrototypeOf(record?.kwargs)).toBe(Object.prototype);
  });
});
