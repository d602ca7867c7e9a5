// The official Node.js driver (and Mongoose, as the seed design uses it)
// against devmongod: handshake as a replica-set primary, CRUD, change
// streams with resume, and Mongoose's model initialisation.
// Usage: node --test node_driver_test.mjs   (DEVMONGOD set to the binary)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, Timestamp } from 'mongodb';
import mongoose from 'mongoose';
import { startDevMongod } from './devmongod_process.mjs';

let server;
let client;
const dbName = `compat_node_${process.pid}`;

before(async () => {
  server = await startDevMongod(process.env.DEVMONGOD);
  client = new MongoClient(server.uri);
  await client.connect();
});

after(async () => {
  await client?.db(dbName).dropDatabase().catch(() => {});
  await client?.close();
  await server?.stop();
});

test('hello makes the server a writable primary of rs0', async () => {
  const hello = await client.db('admin').command({ hello: 1 });
  assert.equal(hello.isWritablePrimary, true);
  assert.equal(typeof hello.setName, 'string');
  assert.ok(hello.maxWireVersion >= 8);
  assert.equal(hello.topologyVersion, undefined);
});

test('insert, find, sort, count', async () => {
  const coll = client.db(dbName).collection('crud');
  await coll.insertMany([{ n: 3, tag: 'a' }, { n: 1, tag: 'b' }, { n: 2, tag: 'a' }]);
  const docs = await coll.find({ tag: 'a' }).sort({ n: 1 }).toArray();
  assert.deepEqual(docs.map((d) => d.n), [2, 3]);
  assert.equal(await coll.countDocuments({ n: { $gte: 2 } }), 2);
  await assert.rejects(coll.insertOne({ _id: docs[0]._id }), (err) => err.code === 11000);
});

test('a change stream sees inserts by another client, in order, and resumes', async () => {
  const coll = client.db(dbName).collection('stream');
  const stream = coll.watch([{ $match: { operationType: 'insert' } }], { maxAwaitTimeMS: 200 });
  await stream.tryNext(); // opens the cursor before the inserts
  const writer = new MongoClient(server.uri);
  await writer.connect();
  for (let i = 0; i < 5; i++) await writer.db(dbName).collection('stream').insertOne({ i });
  const seen = [];
  let token;
  while (seen.length < 3) {
    const change = await stream.next();
    assert.equal(change.operationType, 'insert');
    assert.equal(typeof change._id._data, 'string');
    assert.ok(change.clusterTime instanceof Timestamp);
    assert.ok(change.wallTime instanceof Date);
    assert.deepEqual(change.ns, { db: dbName, coll: 'stream' });
    assert.deepEqual(change.documentKey._id, change.fullDocument._id);
    seen.push(change.fullDocument.i);
    token = change._id;
  }
  assert.deepEqual(seen, [0, 1, 2]);
  await stream.close();
  const resumed = coll.watch([], { resumeAfter: token, maxAwaitTimeMS: 200 });
  const rest = [(await resumed.next()).fullDocument.i, (await resumed.next()).fullDocument.i];
  assert.deepEqual(rest, [3, 4]);
  await resumed.close();
  await writer.close();
});

test('a change stream without maxAwaitTimeMS waits and delivers', async () => {
  const coll = client.db(dbName).collection('await');
  const stream = coll.watch();
  await stream.tryNext();
  setTimeout(() => coll.insertOne({ late: true }), 300);
  const change = await stream.next();
  assert.equal(change.fullDocument.late, true);
  await stream.close();
});

test('Mongoose model with timestamps: create, indexes, watch', async () => {
  const conn = await mongoose.createConnection(server.uri, { dbName }).asPromise();
  const schema = new mongoose.Schema(
    { username: { type: String, required: true, trim: true }, content: String, room: String },
    { timestamps: true },
  );
  schema.index({ room: 1, _id: -1 });
  const Message = conn.model('Message', schema);
  await Message.init();
  const indexes = await Message.collection.indexes();
  assert.ok(indexes.some((ix) => ix.key.room === 1 && ix.key._id === -1));
  const stream = Message.watch();
  const next = new Promise((resolve) => stream.once('change', resolve));
  await new Promise((r) => setTimeout(r, 200));
  await Message.create({ username: ' ada ', content: 'hi', room: 'general' });
  const change = await next;
  assert.equal(change.operationType, 'insert');
  assert.equal(change.fullDocument.username, 'ada');
  assert.ok(change.fullDocument.createdAt instanceof Date);
  assert.equal(await Message.countDocuments({ room: 'general' }), 1);
  await stream.close();
  await conn.close();
});

test('database and cluster change streams close their cursors', async () => {
  const openCursors = async () =>
    Number((await client.db('admin').command({ serverStatus: 1 })).metrics.cursor.open.total);
  const before = await openCursors();
  const dbStream = client.db(dbName).watch([], { maxAwaitTimeMS: 100 });
  await dbStream.tryNext();
  const clusterStream = client.watch([], { maxAwaitTimeMS: 100 });
  await clusterStream.tryNext();
  assert.equal(await openCursors(), before + 2);
  await dbStream.close(); // killCursors on "$cmd.aggregate"
  await clusterStream.close();
  assert.equal(await openCursors(), before);
});

test('change stream stages and a resume token taken after a drop', async () => {
  const coll = client.db(dbName).collection('staged');
  await coll.insertOne({ old: true });
  await coll.drop();
  const stream = coll.watch(
    [{ $match: { operationType: 'insert' } }, { $project: { 'fullDocument.n': 1 } }],
    { maxAwaitTimeMS: 100 },
  );
  assert.equal(await stream.tryNext(), null);
  const token = stream.resumeToken;
  await stream.close();
  await coll.insertOne({ n: 1, other: 'x' });
  const resumed = coll.watch([{ $project: { 'fullDocument.n': 1 } }], {
    resumeAfter: token,
    maxAwaitTimeMS: 100,
  });
  const change = await resumed.next();
  assert.deepEqual(Object.keys(change).sort(), ['_id', 'fullDocument']);
  assert.equal(change.fullDocument.n, 1);
  await resumed.close();
});
