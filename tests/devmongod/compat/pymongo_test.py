#!/usr/bin/python3
"""PyMongo (Debian's python3-pymongo 3.11) against devmongod.

PyMongo 3.11 is strict in places libmongoc is not: it reads `ismaster`
only, and it needs `operationTime` on a change stream's first batch.
Usage: pymongo_test.py /path/to/devmongod   (or MONGODB_URI=... to use a real server)
"""
import os
import re
import subprocess
import sys
import threading
import time
import unittest

import pymongo
from bson.timestamp import Timestamp

DEVMONGOD = None


class DevMongod:
    def __init__(self, path):
        self.proc = None
        if os.environ.get("MONGODB_URI"):
            self.uri = os.environ["MONGODB_URI"]
            return
        self.proc = subprocess.Popen([path, "--port", "0", "--quiet"], stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            m = re.match(r"^devmongod listening on (\S+)$", line.strip())
            if m:
                self.uri = "mongodb://%s/?replicaSet=rs0&serverSelectionTimeoutMS=5000" % m.group(1)
                return
            if not line and self.proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError("devmongod did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class PyMongoCompat(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = DevMongod(DEVMONGOD)
        cls.client = pymongo.MongoClient(cls.server.uri)
        cls.db = cls.client["compat_py_%d" % os.getpid()]

    @classmethod
    def tearDownClass(cls):
        try:
            cls.client.drop_database(cls.db.name)
        except pymongo.errors.PyMongoError:
            pass
        cls.client.close()
        cls.server.stop()

    def test_primary_and_crud(self):
        self.assertTrue(self.client.admin.command("ismaster")["ismaster"])
        coll = self.db.crud
        coll.insert_many([{"n": i, "even": i % 2 == 0} for i in range(10)])
        self.assertEqual(coll.count_documents({"even": True}), 5)
        top = list(coll.find({"n": {"$lt": 5}}, {"n": 1, "_id": 0}).sort("n", -1).limit(2))
        self.assertEqual(top, [{"n": 4}, {"n": 3}])
        with self.assertRaises(pymongo.errors.DuplicateKeyError):
            coll.insert_one({"_id": coll.find_one({"n": 0})["_id"]})
        self.assertEqual(coll.delete_many({"even": False}).deleted_count, 5)
        self.assertEqual(coll.count_documents({}), 5)

    def test_query_operators(self):
        coll = self.db.operators
        coll.insert_many([
            {"_id": 1, "user": "Ada", "tags": ["x", "y"], "n": 3, "votes": [{"up": True}]},
            {"_id": 2, "user": "bob", "tags": ["y"], "n": 8, "votes": []},
            {"_id": 3, "user": "ann", "tags": "x", "n": 5.5, "votes": [{"up": False}]},
        ])

        def ids(query):
            return sorted(d["_id"] for d in coll.find(query))

        self.assertEqual(ids({"user": {"$regex": "^a", "$options": "i"}}), [1, 3])
        self.assertEqual(ids({"user": re.compile("^A")}), [1])
        self.assertEqual(ids({"user": {"$in": [re.compile("^b"), "ann"]}}), [2, 3])
        self.assertEqual(ids({"user": {"$not": re.compile("^a")}}), [1, 2])
        self.assertEqual(ids({"n": {"$type": "int"}}), [1, 2])
        self.assertEqual(ids({"n": {"$type": "double"}}), [3])
        self.assertEqual(ids({"tags": {"$type": "array"}}), [1, 2])
        self.assertEqual(ids({"tags": {"$all": ["x", "y"]}}), [1])
        self.assertEqual(ids({"tags": {"$size": 1}}), [2])
        self.assertEqual(ids({"votes": {"$elemMatch": {"up": True}}}), [1])
        self.assertEqual(ids({"n": {"$mod": [2, 1]}}), [1, 3])
        self.assertEqual(ids({"$expr": {"$gt": ["$n", 4]}}), [2, 3])
        self.assertEqual(coll.count_documents({"$expr": {"$eq": ["$missing", None]}}), 0)
        with self.assertRaises(pymongo.errors.OperationFailure) as bad:
            list(coll.find({"user": {"$regex": "a", "$options": "g"}}))
        self.assertEqual(bad.exception.code, 51108)

    def test_distinct_indexes_and_stats(self):
        coll = self.db.catalog
        coll.insert_many([{"room": "a", "tags": ["x", "y"]}, {"room": "b", "tags": ["y"]},
                          {"room": "a"}])
        self.assertEqual(sorted(coll.distinct("room")), ["a", "b"])
        self.assertEqual(sorted(coll.distinct("tags")), ["x", "y"])
        self.assertEqual(coll.distinct("room", {"tags": "x"}), ["a"])
        coll.create_index("room", name="room_1")
        coll.create_index([("tags", -1)])
        self.assertEqual(sorted(coll.index_information()), ["_id_", "room_1", "tags_-1"])
        coll.drop_index("room_1")
        coll.drop_index([("tags", -1)])
        self.assertEqual(sorted(coll.index_information()), ["_id_"])
        with self.assertRaises(pymongo.errors.OperationFailure) as missing:
            coll.drop_index("nope")
        self.assertEqual(missing.exception.code, 27)
        stats = self.db.command("dbStats")
        self.assertGreaterEqual(stats["collections"], 1)
        self.assertGreaterEqual(stats["objects"], 3)
        self.assertEqual(self.db.command("collStats", "catalog")["count"], 3)

    def test_updates_and_find_one_and_update(self):
        coll = self.db.updates
        coll.insert_many([{"_id": i, "room": "r" if i < 3 else "s", "n": i} for i in range(5)])
        result = coll.update_many({"room": "r"}, {"$inc": {"n": 10}, "$set": {"seen": True}})
        self.assertEqual((result.matched_count, result.modified_count), (3, 3))
        result = coll.update_one({"_id": 99}, {"$set": {"room": "new"}}, upsert=True)
        self.assertEqual(result.upserted_id, 99)
        self.assertEqual(coll.replace_one({"_id": 4}, {"room": "s", "whole": 1}).modified_count, 1)
        after = coll.find_one_and_update({"_id": 0}, {"$unset": {"seen": ""}},
                                         return_document=pymongo.ReturnDocument.AFTER)
        self.assertEqual(after, {"_id": 0, "room": "r", "n": 10})
        gone = coll.find_one_and_delete({"_id": 1})
        self.assertEqual(gone["n"], 11)
        with self.assertRaises(pymongo.errors.WriteError) as caught:
            coll.update_one({"_id": 2}, {"$bogus": {"a": 1}})
        self.assertEqual(caught.exception.code, 9)
        with self.assertRaises(pymongo.errors.WriteError) as caught:
            coll.update_one({"_id": 2}, {"$set": {"_id": 7}})
        self.assertEqual(caught.exception.code, 66)

    def test_update_events_with_update_lookup(self):
        coll = self.db.update_events
        coll.insert_one({"_id": 1, "room": "r", "text": "a"})
        pipeline = [{"$match": {"operationType": {"$in": ["insert", "update", "replace"]},
                                "fullDocument.room": "r"}}]
        with coll.watch(pipeline, full_document="updateLookup", max_await_time_ms=200) as stream:
            self.assertIsNone(stream.try_next())
            coll.update_one({"_id": 1}, {"$set": {"text": "b"}, "$currentDate": {"at": True}})
            event = stream.next()
            self.assertEqual(event["operationType"], "update")
            self.assertEqual(event["fullDocument"]["text"], "b")
            self.assertEqual(event["updateDescription"]["removedFields"], [])
            self.assertEqual(set(event["updateDescription"]["updatedFields"]), {"text", "at"})
            self.assertEqual(event["documentKey"], {"_id": 1})

    def test_change_stream_live_and_resume(self):
        coll = self.db.stream
        with coll.watch(max_await_time_ms=200) as stream:
            self.assertIsNone(stream.try_next())

            def writer():
                other = pymongo.MongoClient(self.server.uri)
                for i in range(4):
                    other[self.db.name].stream.insert_one({"i": i})
                other.close()

            t = threading.Thread(target=writer)
            t.start()
            first = stream.next()
            second = stream.next()
            t.join()
            self.assertEqual(first["operationType"], "insert")
            self.assertIsInstance(first["clusterTime"], Timestamp)
            self.assertEqual([first["fullDocument"]["i"], second["fullDocument"]["i"]], [0, 1])
            token = stream.resume_token
        with coll.watch(resume_after=token, max_await_time_ms=200) as resumed:
            self.assertEqual([resumed.next()["fullDocument"]["i"] for _ in range(2)], [2, 3])

    def test_token_after_drop_resumes_on_the_recreated_collection(self):
        # A stream opened on a dropped collection hands out a position in
        # time: resuming from it gives the new collection's events, not the
        # old drop's invalidate.
        coll = self.db.recreated
        coll.insert_one({"old": True})
        coll.drop()
        with coll.watch(max_await_time_ms=100) as stream:
            self.assertIsNone(stream.try_next())
            token = stream.resume_token
        coll.insert_one({"n": 1})
        with coll.watch(resume_after=token, max_await_time_ms=100) as resumed:
            change = resumed.next()
            self.assertEqual(change["operationType"], "insert")
            self.assertEqual(change["fullDocument"]["n"], 1)
        with coll.watch(start_after=token, max_await_time_ms=100) as started:
            self.assertEqual(started.next()["fullDocument"]["n"], 1)

    def test_change_stream_pipeline_stages(self):
        coll = self.db.staged
        stages = [{"$match": {"operationType": "insert"}},
                  {"$project": {"operationType": 1, "fullDocument.n": 1}},
                  {"$addFields": {"big": {"$gt": ["$fullDocument.n", 5]}}}]
        with coll.watch(stages, max_await_time_ms=100) as stream:
            self.assertIsNone(stream.try_next())
            coll.insert_one({"n": 7, "other": "x"})
            change = stream.next()
            self.assertEqual(sorted(change.keys()), ["_id", "big", "fullDocument", "operationType"])
            self.assertEqual(change["fullDocument"], {"n": 7})
            self.assertTrue(change["big"])
        with self.assertRaises(pymongo.errors.OperationFailure) as refused:
            coll.watch([{"$sort": {"n": 1}}])
        self.assertEqual(refused.exception.code, 20)
        # Removing the resume token (_id) fails the stream once such an event comes.
        with coll.watch([{"$project": {"_id": 0}}], max_await_time_ms=100) as stream:
            self.assertIsNone(stream.try_next())
            coll.insert_one({"n": 1})
            with self.assertRaises(pymongo.errors.OperationFailure) as failed:
                stream.next()
            self.assertEqual(failed.exception.code, 280)

    def test_empty_first_batch_gives_resumable_position(self):
        coll = self.db.quiet
        with coll.watch(max_await_time_ms=100) as stream:
            self.assertIsNone(stream.try_next())
            self.assertIsNotNone(stream.resume_token)


if __name__ == "__main__":
    DEVMONGOD = sys.argv.pop(1) if len(sys.argv) > 1 else None
    unittest.main(verbosity=2)
