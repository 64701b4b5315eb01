// The conformance kit for the stream channel: over TCP and a unix socket (the subscriber listens,
// the handler connects), and over a stream in the same process.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createHandler, createSubscriber } from '@logq/core';
import { describeTransportConformance } from '@logq/core/testing';
import { StreamChannelHandler, StreamChannelSubscriber } from '../src/index.js';

/** A raw connection to the subscriber, for frames that bypass the handler. */
function rawWriter(uri: string): { inject(frame: string | Uint8Array): Promise<void>; close(): void } {
  const url = new URL(uri);
  let socket: Socket | null = null;
  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const s =
        url.protocol === 'stream+unix:'
          ? connect({ path: url.pathname })
          : connect({ host: url.hostname, port: Number(url.port) });
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
  return {
    inject: async (frame) => {
      socket ??= await open();
      const s = socket;
      await new Promise<void>((resolve, reject) =>
        s.write(Buffer.concat([Buffer.from(frame), Buffer.from('\n')]), (e) => (e ? reject(e) : resolve())),
      );
    },
    close: () => socket?.destroy(),
  };
}

describeTransportConformance('stream channel (stream+tcp://)', {
  createPair: async () => {
    // Through core's resolver, as a user would name the transport.
    const subscriber = (await createSubscriber('stream+tcp://127.0.0.1:0')) as StreamChannelSubscriber;
    const uri = (await subscriber.ready())!;
    const handler = await createHandler(uri);
    const raw = rawWriter(uri);
    return { handler, subscriber, injectRaw: raw.inject, dispose: async () => raw.close() };
  },
});

describeTransportConformance('stream channel (stream+unix://)', {
  createPair: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logq-stream-'));
    const subscriber = new StreamChannelSubscriber(`stream+unix://${join(dir, 'log.sock')}`);
    const uri = (await subscriber.ready())!;
    const handler = new StreamChannelHandler(uri);
    const raw = rawWriter(uri);
    return {
      handler,
      subscriber,
      injectRaw: raw.inject,
      dispose: async () => {
        raw.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

describeTransportConformance('stream channel (a stream in the same process)', {
  createPair: async () => {
    const stream = new PassThrough();
    const handler = new StreamChannelHandler(stream);
    const subscriber = new StreamChannelSubscriber(stream);
    return {
      handler,
      subscriber,
      injectRaw: async (frame) => {
        await new Promise<void>((resolve) =>
          stream.write(Buffer.concat([Buffer.from(frame), Buffer.from('\n')]), () => resolve()),
        );
      },
      dispose: async () => {
        stream.destroy();
      },
    };
  },
});
