// The raw driver's indexes and work-queue consumer, as a competing consumer has to be written on FerretDB (updates scan
// the collection per document there): shared by the mongo and scale suites.
import { type Collection, type Document, type IndexDescription, MongoBulkWriteError, type ObjectId } from 'mongodb';

/** The indexes MongoHandler creates (issue #7: level, channel, time), which the raw paths create too. */
export const INDEXES: IndexDescription[] = [
  { key: { level: 1 }, name: 'level_1' },
  { key: { channel: 1 }, name: 'channel_1' },
  { key: { timestamp: 1 }, name: 'timestamp_1' },
];

/**
 * One round: read the head (up to `prefetch` documents), claim them with one insert of claim documents keyed
 * by the record ids, delete the records won with one deleteMany, then their claims.
 * @returns the records this round took (0: the queue was empty), counted by what the delete removed, so a
 * record another consumer deleted first is not counted twice.
 */
export async function claimRound(records: Collection, claims: Collection, prefetch: number): Promise<number> {
  const docs = await records.find({}, { limit: prefetch, batchSize: prefetch }).toArray();
  if (docs.length === 0) return 0;
  const lost = new Set<number>();
  try {
    await claims.insertMany(
      docs.map((d) => ({ _id: d._id as ObjectId, by: 'raw', at: new Date() })),
      { ordered: false },
    );
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    for (const e of Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors]) lost.add(e.index);
  }
  const won = docs.filter(
    (d: Document, i) => !lost.has(i) && typeof d.msg === 'string' && typeof d.channel === 'string',
  );
  const ids = won.map((d) => d._id as ObjectId);
  const { deletedCount } = await records.deleteMany({ _id: { $in: ids } });
  await claims.deleteMany({ _id: { $in: ids } });
  return deletedCount;
}
