# kafkasim's librdkafka agent: one Kafka client (a confluent_kafka Consumer
# or Producer, i.e. the real librdkafka) in a process of its own, driven by
# the Go package client/rdkafka over stdin/stdout.
#
# Protocol: one JSON object per line.
#   Go -> agent:  {"op": NAME, ...arguments}
#   agent -> Go:  {"t": "ret", "v": VALUE} or {"t": "ret", "err": ERROR}
#                 {"t": "cb", "cb": NAME, "wait": BOOL, ...}: a callback
#                 librdkafka runs inside the call under way (poll, close,
#                 flush, ...). With "wait" the agent serves further ops (the
#                 Go callback's calls) until {"op": "return"}.
#                 {"t": "ready", ...} once, at start.
# Every line the agent writes to stdout carries "sync": N and is preceded
# by the marker line "%%KS N" on stderr, where librdkafka writes its debug
# log: Go reads the log up to the marker before it handles the line, so it
# knows what librdkafka did (commits, joins) before the call returned.
#
# A crash is SIGKILL of this process: nothing is committed, no LeaveGroup.
# When stdin closes (Go exited), the agent exits without closing the
# client, as a killed process would.
import base64
import json
import os
import sys
import threading

try:
    import confluent_kafka as ck
    from confluent_kafka import KafkaError, KafkaException, TopicPartition
except Exception as e:  # noqa: BLE001 - anything here means "not installed"
    sys.stdout.write(json.dumps({"t": "missing", "error": "%s: %s" % (type(e).__name__, e)}) + "\n")
    sys.stdout.flush()
    sys.exit(3)

_out = sys.stdout
_in = sys.stdin
_seq = 0
_lock = threading.Lock()  # a producer's delivery reports come from a thread


def send(obj):
    global _seq
    with _lock:
        _seq += 1
        obj["sync"] = _seq
        os.write(2, b"%%KS " + str(_seq).encode() + b"\n")
        _out.write(json.dumps(obj, separators=(",", ":")) + "\n")
        _out.flush()


def recv():
    line = _in.readline()
    if not line:
        os._exit(0)
    return json.loads(line)


def b64(b):
    if b is None:
        return None
    return base64.b64encode(b).decode()


def unb64(s):
    if s is None:
        return None
    return base64.b64decode(s)


def err_obj(e):
    if e is None:
        return None
    if isinstance(e, KafkaException):
        e = e.args[0] if e.args else None
        if not isinstance(e, KafkaError):
            return {"code": -195, "name": "_FAIL", "str": str(e)}
    if isinstance(e, KafkaError):
        return {"code": e.code(), "name": e.name(), "str": e.str(), "fatal": bool(e.fatal()),
                "retriable": bool(e.retriable())}
    return {"code": -195, "name": "_FAIL", "str": "%s: %s" % (type(e).__name__, e)}


def tp_obj(tp):
    o = {"topic": tp.topic, "partition": tp.partition, "offset": tp.offset}
    if tp.error is not None:
        o["err"] = err_obj(tp.error)
    md = getattr(tp, "metadata", None)
    if md is not None:
        o["metadata"] = md
    return o


def tps_obj(tps):
    return [tp_obj(tp) for tp in (tps or [])]


def to_tp(o):
    tp = TopicPartition(o["topic"], o.get("partition", -1), o.get("offset", -1001))
    return tp


def to_tps(lst):
    return [to_tp(o) for o in (lst or [])]


def msg_obj(m):
    tst, ts = m.timestamp()
    o = {"topic": m.topic(), "partition": m.partition(), "offset": m.offset()}
    e = m.error()
    if e is not None:
        o["err"] = err_obj(e)
        return o
    o["key"] = b64(m.key())
    o["value"] = b64(m.value())
    o["ts"] = [tst, ts]
    hs = m.headers()
    if hs:
        o["headers"] = [[k, b64(v)] for k, v in hs]
    return o


class Agent:
    def __init__(self):
        self.c = None  # Consumer
        self.p = None  # Producer

    # --- callbacks from librdkafka, inside a call ---

    def _rebalance(self, kind, parts):
        send({"t": "cb", "cb": kind, "wait": True, "parts": tps_obj(parts)})
        self.serve_until_return()

    def on_assign(self, consumer, parts):
        self._rebalance("assign", parts)

    def on_revoke(self, consumer, parts):
        self._rebalance("revoke", parts)

    def on_lost(self, consumer, parts):
        self._rebalance("lost", parts)

    def on_commit(self, err, parts):
        send({"t": "cb", "cb": "commit", "err": err_obj(err), "parts": tps_obj(parts)})

    def on_error(self, err):
        send({"t": "cb", "cb": "error", "err": err_obj(err)})


    # --- ops ---

    def op_consumer(self, a):
        conf = dict(a["conf"])
        conf["on_commit"] = self.on_commit
        conf["error_cb"] = self.on_error
        self.c = ck.Consumer(conf)
        return None

    def op_producer(self, a):
        conf = dict(a["conf"])
        conf["error_cb"] = self.on_error
        self.p = ck.Producer(conf)
        # Delivery reports are served as they come, as confluent-kafka-go's
        # background goroutine does; Go hands them to the app in Poll/Flush.
        self.stop = threading.Event()
        self.poller = threading.Thread(target=self._serve_reports, daemon=True)
        self.poller.start()
        return None

    def _serve_reports(self):
        while not self.stop.is_set():
            self.p.poll(0.1)

    def op_subscribe(self, a):
        self.c.subscribe(a["topics"], on_assign=self.on_assign, on_revoke=self.on_revoke, on_lost=self.on_lost)
        return None

    def op_unsubscribe(self, a):
        self.c.unsubscribe()
        return None

    def op_poll(self, a):
        m = self.c.poll(a["timeout"])
        if m is None:
            return None
        return msg_obj(m)

    def op_commit(self, a):
        asyn = a.get("async", False)
        if "offsets" in a:
            r = self.c.commit(offsets=to_tps(a["offsets"]), asynchronous=asyn)
        else:
            r = self.c.commit(asynchronous=asyn)
        if asyn:
            return None
        return tps_obj(r)

    def op_store(self, a):
        self.c.store_offsets(offsets=to_tps(a["offsets"]))
        return None

    def op_committed(self, a):
        return tps_obj(self.c.committed(to_tps(a["parts"]), timeout=a["timeout"]))

    def op_position(self, a):
        return tps_obj(self.c.position(to_tps(a["parts"])))

    def op_assign(self, a):
        self.c.assign(to_tps(a["parts"]))
        return None

    def op_unassign(self, a):
        self.c.unassign()
        return None

    def op_incremental_assign(self, a):
        self.c.incremental_assign(to_tps(a["parts"]))
        return None

    def op_incremental_unassign(self, a):
        self.c.incremental_unassign(to_tps(a["parts"]))
        return None

    def op_assignment(self, a):
        return tps_obj(self.c.assignment())

    def op_seek(self, a):
        self.c.seek(to_tp(a["tp"]))
        return None

    def op_pause(self, a):
        self.c.pause(to_tps(a["parts"]))
        return None

    def op_resume(self, a):
        self.c.resume(to_tps(a["parts"]))
        return None

    def op_watermarks(self, a):
        lo, hi = self.c.get_watermark_offsets(TopicPartition(a["topic"], a["partition"]),
                                              timeout=a.get("timeout", 1.0), cached=a.get("cached", False))
        return [lo, hi]

    def client(self):
        return self.c if self.c is not None else self.p

    def op_offsets_for_times(self, a):
        return tps_obj(self.c.offsets_for_times(to_tps(a["parts"]), timeout=a["timeout"]))

    def op_query_watermarks(self, a):
        lo, hi = self.c.get_watermark_offsets(TopicPartition(a["topic"], a["partition"]),
                                              timeout=a["timeout"], cached=False)
        return [lo, hi]

    def op_metadata(self, a):
        md = self.client().list_topics(topic=a.get("topic"), timeout=a["timeout"])
        brokers = [{"id": b.id, "host": b.host, "port": b.port} for b in md.brokers.values()]
        topics = []
        for t in md.topics.values():
            parts = [{"id": p.id, "leader": p.leader, "replicas": list(p.replicas), "isrs": list(p.isrs),
                      "err": err_obj(p.error)} for p in t.partitions.values()]
            topics.append({"topic": t.topic, "partitions": parts, "err": err_obj(t.error)})
        ob = md.orig_broker_id
        return {"brokers": brokers, "topics": topics, "orig": ob, "orig_name": md.orig_broker_name}

    def op_close(self, a):
        if self.c is not None:
            self.c.close()
        return None

    def op_produce(self, a):
        ident = a["id"]

        def report(err, msg):
            o = {"t": "cb", "cb": "delivery", "id": ident, "err": err_obj(err)}
            if msg is not None:
                o["partition"] = msg.partition()
                o["offset"] = msg.offset()
                tst, ts = msg.timestamp()
                o["ts"] = [tst, ts]
            send(o)

        kw = {"value": unb64(a.get("value")), "key": unb64(a.get("key"))}
        if a.get("partition", -1) >= 0:
            kw["partition"] = a["partition"]
        if a.get("headers"):
            kw["headers"] = [(k, unb64(v)) for k, v in a["headers"]]
        if a.get("timestamp"):
            kw["timestamp"] = a["timestamp"]
        if a.get("report", True):
            kw["on_delivery"] = report
        self.p.produce(a["topic"], **kw)
        return None

    def op_flush(self, a):
        return self.p.flush(a["timeout"])

    def op_len(self, a):
        return len(self.p)

    def op_stop(self, a):
        if self.p is not None:
            self.stop.set()
            self.poller.join()
        return None

    def op_versions(self, a):
        return {"client": ck.version()[0], "librdkafka": ck.libversion()[0]}

    # --- the loop ---

    def handle(self, req):
        op = req.get("op")
        fn = getattr(self, "op_" + str(op), None)
        if fn is None:
            send({"t": "ret", "err": {"code": -186, "name": "_INVALID_ARG", "str": "agent: unknown op %r" % (op,)}})
            return
        try:
            v = fn(req)
        except KafkaException as e:
            send({"t": "ret", "err": err_obj(e)})
            return
        except BufferError as e:
            send({"t": "ret", "err": {"code": -184, "name": "_QUEUE_FULL", "str": "Local: Queue full (%s)" % e}})
            return
        except (TypeError, ValueError, RuntimeError) as e:
            send({"t": "ret", "err": {"code": -186, "name": "_INVALID_ARG", "str": "%s: %s" % (type(e).__name__, e)}})
            return
        send({"t": "ret", "v": v})

    def serve_until_return(self):
        while True:
            req = recv()
            if req.get("op") == "return":
                return
            self.handle(req)

    def run(self):
        # librdkafka's description of every error code, for reading its
        # log (which prints descriptions, not codes).
        descs = {}
        for name in dir(KafkaError):
            code = getattr(KafkaError, name)
            if isinstance(code, int) and not name.startswith("__"):
                try:
                    descs[KafkaError(code).str()] = code
                except Exception:  # noqa: BLE001 - a code this build lacks
                    pass
        send({"t": "ready", "client": ck.version()[0], "librdkafka": ck.libversion()[0], "errs": descs})
        while True:
            self.handle(recv())


if __name__ == "__main__":
    Agent().run()
