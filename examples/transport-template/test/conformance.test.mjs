// The logq conformance kit under node:test: `node --test test/` runs every check against fresh file pairs.
import { mkdtempSync, rmSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as test from 'node:test';
import { pathToFileURL } from 'node:url';
import { describeTransportConformance } from '@logq/core/testing';
import { FileHandler, FileSubscriber } from 'logq-transport-file';

const dir = mkdtempSync(join(tmpdir(), 'logq-transport-file-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
describeTransportConformance(
  'file',
  {
    createPair: async () => {
      const path = join(dir, `pair-${n++}.jsonl`);
      const uri = pathToFileURL(path).href;
      return {
        handler: new FileHandler(uri),
        subscriber: new FileSubscriber(uri),
        // A raw line appended to the same file, behind whatever the handler has written.
        injectRaw: (frame) => appendFile(path, Buffer.concat([Buffer.from(frame), Buffer.from('\n')])),
      };
    },
  },
  test,
);
