#!/usr/bin/python3
"""whalesong-cli serve, the OpenAI-compatible API, from the outside: HTTP only, as clients use it.

    /usr/bin/python3 tests/engine/test_api_server.py --cli PATH/whalesong-cli --source REPO_ROOT --work SCRATCH_DIR

On the demo model (random weights, the real DeepSeek-V3 tokenizer of shared/): /v1/models, keys, chat completions
plain and streamed (SSE), usage and the prefix cache, content parts, stop strings, request errors with the field
named, body limits, slow and vanishing clients, keep-alives, concurrency, the admission queue, fairness, the
loopback-only rule without a key, curl, the official OpenAI SDK for Node (tests/engine/openai_client.mjs,
openai@4 installed into WORK/npm), structured output, logprobs, tool calls, and the agent frameworks (the AI SDK
and LangChain: tests/engine/agent_sdks.mjs, installed into WORK/npm-agents). Five servers in all; each is stopped with SIGTERM and must exit 0.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

from testlib import ensure_model, test_args, check, summary, RESULTS

KEY = "sk-test-7f3a"
CHAT = "/v1/chat/completions"
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "ThreadSanitizer")



def short(x, n=300):
    s = x if isinstance(x, str) else repr(x)
    return s if len(s) <= n else s[:n] + "..."


# ---------------------------------------------------------------------------------------------------------------
# Servers


class Server:
    """`whalesong-cli serve --port 0` with its stderr read continuously into `lines`."""

    def __init__(self, cli, model, args, name):
        self.name = name
        env = dict(os.environ)
        env.pop("WHALESONG_API_KEY", None)
        cmd = [cli, "serve", "--model", model, "--port", "0", "--threads", "2"] + args
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=env)
        self.lines = []
        self.eof = False
        self.cv = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        m = self.wait_for(r"^serving .* at http://127\.0\.0\.1:(\d+)/v1", 120)
        self.port = int(m.group(1)) if m else None
        self.stopped_rc = None

    def _read(self):
        for raw in self.proc.stderr:
            with self.cv:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.cv.notify_all()
        with self.cv:
            self.eof = True
            self.cv.notify_all()

    def wait_for(self, pattern, timeout):
        """The first stderr line matching `pattern` (a re.Match), waiting up to `timeout` s; None if none."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cv:
            seen = 0
            while True:
                for line in self.lines[seen:]:
                    m = rx.search(line)
                    if m:
                        return m
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if self.eof or left <= 0:
                    return None
                self.cv.wait(min(left, 0.5))

    def stderr(self):
        with self.cv:
            return "\n".join(self.lines)

    def stop(self):
        """SIGTERM; the exit status (or None when it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        self.reader.join(10)
        self.stopped_rc = rc
        return rc


def stop_and_check(srv):
    rc = srv.stop()
    check("%s: SIGTERM stops the server with exit 0" % srv.name, rc == 0,
          "rc %s; stderr tail: %s" % (rc, short(srv.stderr()[-1500:], 1500)))
    reports = [l for l in srv.stderr().splitlines() if any(m in l for m in SANITIZER_MARKS)]
    check("%s: no sanitizer reports on stderr" % srv.name, not reports, short("\n".join(reports[:5]), 1500))


# ---------------------------------------------------------------------------------------------------------------
# HTTP helpers


def request(port, method, path, body=None, key=KEY, headers=None, timeout=180):
    """(status, lower-cased headers, raw body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = dict(headers or {})
    if key is not None:
        h["Authorization"] = "Bearer " + key
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        h.setdefault("Content-Type", "application/json")
    try:
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        raw = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, raw
    finally:
        conn.close()


def loads(raw):
    try:
        return json.loads(raw)
    except (ValueError, TypeError):
        return None


def chat(port, payload, key=KEY):
    """(status, parsed JSON body or None, raw body)."""
    status, _, raw = request(port, "POST", CHAT, payload, key=key)
    return status, loads(raw), raw


def error_shaped(body):
    """OpenAI's error object: {"error": {"message", "type", "param", "code"}}."""
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return False
    e = body["error"]
    return ({"message", "type", "param", "code"} <= set(e) and isinstance(e["message"], str) and e["message"] != ""
            and isinstance(e["type"], str))


def err_param(body):
    return body["error"].get("param") if error_shaped(body) else "<not an error object: %s>" % short(body, 120)


def answer(choice):
    """(content, reasoning_content) of a non-streamed choice."""
    m = choice.get("message") or {}
    return (m.get("content") or "", m.get("reasoning_content") or "")


class Stream:
    """A streamed chat completion read line by line, each line with the seconds since the request was sent."""

    def __init__(self, port, payload, key=KEY, timeout=180):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        body = json.dumps(dict(payload, stream=True)).encode("utf-8")
        self.t0 = time.monotonic()
        self.conn.request("POST", CHAT, body=body,
                          headers={"Content-Type": "application/json", "Authorization": "Bearer " + key})
        self.sock = self.conn.sock
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.ctype = self.resp.getheader("Content-Type", "")
        self.lines = []  # (t, line)
        self.error_body = None
        if self.status != 200:
            self.error_body = loads(self.resp.read())

    def next_line(self):
        if self.error_body is not None:
            return None
        raw = self.resp.readline()
        if not raw:
            return None
        line = raw.decode("utf-8", "replace").rstrip("\n").rstrip("\r")
        self.lines.append((time.monotonic() - self.t0, line))
        return line

    def read_until(self, pred):
        """Reads lines until pred(line) is true (True) or the stream ends (False)."""
        while True:
            line = self.next_line()
            if line is None:
                return False
            if pred(line):
                return True

    def read_all(self):
        while self.next_line() is not None:
            pass
        self.close()
        return self

    def abort(self):
        """The client vanishes: the socket is shut down and closed under the response."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close()

    def close(self):
        try:
            self.resp.close()
        finally:
            self.conn.close()

    def parsed(self):
        return parse_sse([l for _, l in self.lines])


def is_content_line(line):
    if not line.startswith("data: {"):
        return False
    c = loads(line[6:])
    return bool(c) and any((ch.get("delta") or {}).get("content") for ch in c.get("choices") or [])


def parse_sse(lines):
    """The SSE body: chunks, whether it ended with [DONE], bad lines, per-choice texts and finish reasons."""
    r = {"chunks": [], "done": False, "bad": [], "keepalives_before_content": 0, "content": {}, "reasoning": {},
         "finish": {}, "usage_chunks": [], "events": 0}
    seen_content = False
    last_data = None
    for line in lines:
        if line == "":
            continue
        if line == ": keep-alive":
            if not seen_content:
                r["keepalives_before_content"] += 1
            continue
        if not line.startswith("data: "):
            r["bad"].append(short(line, 100))
            continue
        r["events"] += 1
        data = line[len("data: "):]
        if r["done"]:
            r["bad"].append("after [DONE]: " + short(line, 100))
        last_data = data
        if data == "[DONE]":
            r["done"] = True
            continue
        c = loads(data)
        if not isinstance(c, dict):
            r["bad"].append(short(line, 100))
            continue
        r["chunks"].append(c)
        if c.get("choices") == [] and c.get("usage") is not None:
            r["usage_chunks"].append(c)
        for ch in c.get("choices") or []:
            i = ch.get("index")
            d = ch.get("delta") or {}
            if d.get("content"):
                seen_content = True
                r["content"][i] = r["content"].get(i, "") + d["content"]
            if d.get("reasoning_content"):
                r["reasoning"][i] = r["reasoning"].get(i, "") + d["reasoning_content"]
            if ch.get("finish_reason") is not None:
                r["finish"][i] = ch["finish_reason"]
    r["ends_with_done"] = r["done"] and last_data == "[DONE]"
    return r


def stream(port, payload, key=KEY):
    s = Stream(port, payload, key=key)
    s.read_all()
    return s, s.parsed()


def pick_stop(text):
    """A 2-4 character piece from the middle of `text` (no whitespace at its ends) whose first occurrence is not at
    the start: (piece, the text before its first occurrence), or (None, None)."""
    n = len(text)
    for length in (3, 2, 4):
        for start in sorted(range(1, max(1, n - length)), key=lambda i: abs(i - n // 2)):
            piece = text[start:start + length]
            if len(piece) != length or piece.strip() != piece or any(ch.isspace() for ch in piece):
                continue
            p = text.find(piece)
            if p >= 1:
                return piece, text[:p]
    return None, None


def usage_ok(u):
    return (isinstance(u, dict) and all(isinstance(u.get(k), int) for k in
                                        ("prompt_tokens", "completion_tokens", "total_tokens",
                                         "prompt_cache_hit_tokens", "prompt_cache_miss_tokens"))
            and u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"]
            and u["prompt_cache_hit_tokens"] + u["prompt_cache_miss_tokens"] == u["prompt_tokens"])


def msgs(text, system=None):
    m = [{"role": "system", "content": system}] if system else []
    return m + [{"role": "user", "content": text}]


# ---------------------------------------------------------------------------------------------------------------
# The checks, one function per part; each is given a running server.


def part_models_and_keys(port, base, model_id):
    st, _, raw = request(port, "GET", "/v1/models")
    body = loads(raw)
    ids = [m.get("id") for m in (body or {}).get("data", [])] if isinstance(body, dict) else []
    check("GET /v1/models lists the model", st == 200 and body.get("object") == "list" and model_id in ids
          and all(m.get("object") == "model" for m in body["data"]), "%d %s" % (st, short(raw)))
    st, _, raw = request(port, "GET", "/v1/models/" + model_id)
    body = loads(raw)
    check("GET /v1/models/%s" % model_id, st == 200 and body.get("id") == model_id and body.get("object") == "model",
          "%d %s" % (st, short(raw)))
    st, _, raw = request(port, "GET", "/v1/models/not-" + model_id)
    check("GET /v1/models/<unknown> is 404", st == 404 and error_shaped(loads(raw)), "%d %s" % (st, short(raw)))

    st, h, raw = request(port, "GET", "/v1/models", key=None)
    st2, _, raw2 = request(port, "POST", CHAT, {"model": model_id, "messages": msgs("hi")}, key=None)
    check("no key: 401 with an OpenAI error object", st == 401 and error_shaped(loads(raw)) and st2 == 401
          and error_shaped(loads(raw2)), "%d %s / %d %s" % (st, short(raw), st2, short(raw2)))
    st, _, raw = request(port, "GET", "/v1/models", key=KEY + "x")
    st2, _, raw2 = request(port, "GET", "/v1/models", key="")
    st3, _, raw3 = request(port, "GET", "/v1/models", key=None, headers={"Authorization": KEY})
    check("wrong key: 401", all(s == 401 and error_shaped(loads(r)) for s, r in ((st, raw), (st2, raw2), (st3, raw3))),
          "%d %d %d %s" % (st, st2, st3, short(raw)))

    # curl, as the docs show it
    auth = ["-H", "Authorization: Bearer " + KEY]
    p = subprocess.run(["/usr/bin/curl", "-sS", "--max-time", "120"] + auth + [base + "/models"],
                       capture_output=True, timeout=180)
    body = loads(p.stdout)
    check("curl: GET /models", p.returncode == 0 and isinstance(body, dict)
          and model_id in [m.get("id") for m in body.get("data", [])], short(p.stdout + p.stderr))
    payload = {"model": model_id, "messages": msgs("Hello from curl"), "max_tokens": 4, "seed": 1}
    p = subprocess.run(["/usr/bin/curl", "-sS", "--max-time", "120"] + auth +
                       ["-H", "Content-Type: application/json", "--data-binary", "@-", base + "/chat/completions"],
                       input=json.dumps(payload).encode(), capture_output=True, timeout=180)
    body = loads(p.stdout)
    check("curl: POST /chat/completions", p.returncode == 0 and isinstance(body, dict)
          and body.get("object") == "chat.completion" and isinstance(answer(body["choices"][0])[0], str),
          short(p.stdout + p.stderr))
    p = subprocess.run(["/usr/bin/curl", "-sS", "-N", "--max-time", "120"] + auth +
                       ["-H", "Content-Type: application/json", "--data-binary", "@-", base + "/chat/completions"],
                       input=json.dumps(dict(payload, stream=True)).encode(), capture_output=True, timeout=180)
    r = parse_sse(p.stdout.decode("utf-8", "replace").split("\n"))
    check("curl: a streamed completion ends with [DONE]", p.returncode == 0 and r["ends_with_done"] and not r["bad"]
          and r["content"].get(0) == answer(body["choices"][0])[0] if isinstance(body, dict) else False,
          short(p.stdout + p.stderr))


def part_paths_and_bodies(port, base, model_id):
    """DeepSeek's address layout (no /v1) and bodies sent without a JSON Content-Type."""
    st, _, raw = request(port, "GET", "/models")
    body = loads(raw)
    check("GET /models (no /v1) lists the model", st == 200 and isinstance(body, dict)
          and model_id in [m.get("id") for m in body.get("data", [])], "%d %s" % (st, short(raw)))
    st, _, raw = request(port, "GET", "/models/" + model_id)
    check("GET /models/<id> (no /v1)", st == 200 and (loads(raw) or {}).get("id") == model_id,
          "%d %s" % (st, short(raw)))
    payload = {"model": model_id, "messages": msgs("Hello without v1"), "max_tokens": 3, "seed": 5}
    st, _, raw = request(port, "POST", "/chat/completions", payload)
    st1, _, raw1 = request(port, "POST", CHAT, payload)
    b, b1 = loads(raw), loads(raw1)
    check("POST /chat/completions (no /v1) answers as /v1/chat/completions does",
          st == 200 and st1 == 200 and answer(b["choices"][0]) == answer(b1["choices"][0]),
          "%d %s / %d %s" % (st, short(raw), st1, short(raw1)))
    st, _, raw = request(port, "POST", "/chat/completions", payload, key=None)
    check("POST /chat/completions (no /v1) needs the key", st == 401 and error_shaped(loads(raw)),
          "%d %s" % (st, short(raw)))
    # curl -d without -H Content-Type sends application/x-www-form-urlencoded: a 20 KB JSON body must still work
    # (padded with whitespace, which JSON allows, so the prompt stays short)
    big = json.dumps(payload, indent=1) + " " * 20000
    auth = ["-H", "Authorization: Bearer " + KEY]
    p = subprocess.run(["/usr/bin/curl", "-sS", "--max-time", "120"] + auth +
                       ["--data-binary", "@-", base + "/chat/completions"],
                       input=big.encode(), capture_output=True, timeout=180)
    body = loads(p.stdout)
    check("curl without Content-Type, 20 KB body: answered, not 413", p.returncode == 0 and isinstance(body, dict)
          and body.get("object") == "chat.completion", short(p.stdout + p.stderr))
    st, _, raw = request(port, "POST", CHAT, big.encode(),
                         headers={"Content-Type": "text/plain"})
    check("Content-Type text/plain, 20 KB JSON body: answered", st == 200, "%d %s" % (st, short(raw)))
    st, _, raw = request(port, "POST", CHAT, b"{" * (5 << 20), headers={"Content-Type": "text/plain"})
    check("a body over the 4 MB limit is still a 413 with an error object", st == 413 and error_shaped(loads(raw)),
          "%d %s" % (st, short(raw)))


def part_many_clients(port, model_id):
    """64 streaming clients at once, default queue: every one is answered, none refused."""
    n = 64
    results = [None] * n
    barrier = threading.Barrier(n)

    def one(i):
        try:
            barrier.wait(60)
            s, r = stream(port, {"model": model_id, "messages": msgs("Client %d" % i), "max_tokens": 3,
                                 "seed": i})
            results[i] = (s.status, r["ends_with_done"] and not r["bad"])
        except Exception as e:  # noqa: BLE001 (reported below)
            results[i] = (None, repr(e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    bad = [(i, r) for i, r in enumerate(results) if r != (200, True)]
    check("64 simultaneous streaming clients (default --queue): all 64 answered, none refused", not bad,
          short(bad, 600))


# A schema every output of which is bounded (strings with maxLength, integers of at most 16 digits, bounded arrays,
# bounded whitespace), so even random weights must finish it well within max_tokens.
WEATHER_SCHEMA = {"type": "object", "properties": {
    "city": {"type": "string", "maxLength": 12},
    "days": {"type": "integer"},
    "unit": {"enum": ["celsius", "fahrenheit"]},
    "windy": {"type": "boolean"},
    "tags": {"type": "array", "items": {"type": "string", "maxLength": 6}, "maxItems": 3},
    "note": {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]}},
    "required": ["city", "days", "unit", "windy", "tags", "note"], "additionalProperties": False}


def weather_ok(text):
    """(ok, why): `text` parses as JSON, keys in the schema's order, and satisfies WEATHER_SCHEMA."""
    try:
        pairs = json.loads(text, object_pairs_hook=lambda kv: kv)
        v = json.loads(text)
    except ValueError as e:
        return False, "not JSON: %s" % e
    if not isinstance(v, dict) or [k for k, _ in pairs] != list(WEATHER_SCHEMA["properties"]):
        return False, "keys %s" % ([k for k, _ in pairs] if isinstance(pairs, list) else pairs)
    ok = (isinstance(v["city"], str) and len(v["city"]) <= 12 and isinstance(v["days"], int)
          and not isinstance(v["days"], bool) and v["unit"] in ("celsius", "fahrenheit")
          and isinstance(v["windy"], bool) and isinstance(v["tags"], list) and len(v["tags"]) <= 3
          and all(isinstance(t, str) and len(t) <= 6 for t in v["tags"])
          and (v["note"] is None or (isinstance(v["note"], str) and len(v["note"]) <= 5)))
    return ok, "values %s" % short(v)


def part_structured_output(port, model_id):
    rf = {"type": "json_schema", "json_schema": {"name": "weather", "schema": WEATHER_SCHEMA, "strict": True}}
    base = {"model": model_id, "messages": msgs("The weather in Hangzhou, as JSON."), "max_tokens": 1000,
            "temperature": 1.0, "response_format": rf}
    st, body, raw = chat(port, dict(base, seed=11, n=2))
    fine = st == 200 and len(body["choices"]) == 2
    for c in (body["choices"] if fine else []):
        ok, why = weather_ok(c["message"]["content"])
        fine = fine and ok and c["finish_reason"] == "stop"
        if not ok:
            raw = why.encode() + b" in " + c["message"]["content"].encode()
    check("json_schema from random weights: both choices finish (stop), parse, keep the schema's key order and "
          "satisfy it", fine, "%d %s" % (st, short(raw, 600)))
    s, r = stream(port, dict(base, seed=12, stream=True))
    ok, why = weather_ok(r["content"].get(0, ""))
    check("json_schema streamed: the deltas join into a valid instance, finish stop",
          s.status == 200 and ok and r["finish"].get(0) == "stop" and r["ends_with_done"],
          "%s %s" % (why, short(r["content"].get(0, ""), 400)))
    st, body, raw = chat(port, dict(base, seed=13, max_tokens=6))
    check("json_schema cut by max_tokens: finish_reason length, a prefix of JSON",
          st == 200 and body["choices"][0]["finish_reason"] == "length"
          and body["choices"][0]["message"]["content"].lstrip().startswith("{"), "%d %s" % (st, short(raw)))
    # json_object: whatever the model writes starts an object; a finished one parses
    st, body, raw = chat(port, dict(base, seed=14, max_tokens=60, response_format={"type": "json_object"}))
    c = body["choices"][0] if st == 200 else {}
    text = (c.get("message") or {}).get("content") or ""
    parsed = loads(text) if c.get("finish_reason") == "stop" else {}
    check("json_object: an object (parses when finished)", st == 200 and text.startswith("{")
          and isinstance(parsed, dict), "%d %s" % (st, short(raw)))
    st, body, raw = chat(port, dict(base, seed=15, response_format={"type": "text"}, max_tokens=3))
    check("response_format text: plain completion", st == 200, "%d %s" % (st, short(raw)))
    # errors name the field
    for fmt, param in (({"type": "xml"}, "response_format.type"),
                       ({"type": "json_schema"}, "response_format.json_schema"),
                       ({"type": "json_schema", "json_schema": {"name": "x", "schema": {
                           "type": "object", "properties": {"age": {"type": "integer", "minimum": 0}}}}},
                        "response_format.json_schema.schema.properties.age.minimum"),
                       ({"type": "json_schema", "json_schema": {"name": "x", "schema": {"$ref": "#/$defs/nope"}}},
                        "response_format.json_schema.schema.$ref")):
        st, body, raw = chat(port, dict(base, response_format=fmt))
        check("response_format %s: 400 naming %s" % (short(fmt, 80), param),
              st == 400 and err_param(body) == param, "%d %s" % (st, short(raw)))


def part_logprobs(port, model_id):
    base = {"model": model_id, "messages": msgs("Count to three."), "max_tokens": 12, "seed": 21,
            "temperature": 0.8, "logprobs": True, "top_logprobs": 5}
    st, body, raw = chat(port, base)
    ok = st == 200
    why = short(raw, 500)
    if ok:
        c = body["choices"][0]
        content = (c.get("logprobs") or {}).get("content")
        ok = isinstance(content, list) and len(content) in (body["usage"]["completion_tokens"],
                                                            body["usage"]["completion_tokens"] - 1)
        joined = b"".join(bytes(e["bytes"]) for e in content or [])
        ok = ok and joined.decode("utf-8", "replace") == c["message"]["content"]
        for e in content or []:
            tops = [t["logprob"] for t in e["top_logprobs"]]
            ok = ok and set(e) == {"token", "logprob", "bytes", "top_logprobs"} and e["logprob"] <= 0 \
                and len(tops) == 5 and tops == sorted(tops, reverse=True) and e["logprob"] <= tops[0] + 1e-9 \
                and sum(2.718281828459045 ** x for x in tops) <= 1 + 1e-6
    check("logprobs: one entry per generated token (bytes join into the content), top 5 sorted, probabilities "
          "that sum to at most 1", ok, why)
    s, r = stream(port, dict(base, stream=True))
    chunks = [json.loads(l[6:]) for _, l in s.lines if l.startswith("data: {")]
    streamed = [e for ch in chunks for c in ch.get("choices", []) for e in ((c.get("logprobs") or {}).get("content")
                                                                            or [])]
    plain = body["choices"][0]["logprobs"]["content"] if st == 200 else []

    def same(a, b):  # the prefix cache may compute the first logits by another path: equal to float precision
        return (a["token"] == b["token"] and a["bytes"] == b["bytes"] and abs(a["logprob"] - b["logprob"]) < 1e-4
                and [t["token"] for t in a["top_logprobs"]] == [t["token"] for t in b["top_logprobs"]])
    check("logprobs streamed: the same entries as the non-streamed answer (same seed)",
          s.status == 200 and len(streamed) == len(plain) and all(same(a, b) for a, b in zip(streamed, plain)),
          "streamed %s\nplain %s" % (short(streamed, 300), short(plain, 300)))
    st, body, raw = chat(port, dict(base, temperature=0, top_logprobs=3, max_tokens=4))
    ok = st == 200
    for e in (body["choices"][0]["logprobs"]["content"] if ok else []):
        ok = ok and e["token"] == e["top_logprobs"][0]["token"] and e["logprob"] == e["top_logprobs"][0]["logprob"]
    check("logprobs greedy: each token is its own top_logprobs[0]", ok, short(raw, 400))
    st, body, raw = chat(port, {"model": model_id, "messages": msgs("x"), "max_tokens": 2, "logprobs": False})
    check("without logprobs: \"logprobs\": null", st == 200 and body["choices"][0]["logprobs"] is None, short(raw))
    st, body, raw = chat(port, {"model": model_id, "messages": msgs("x"), "max_tokens": 2, "top_logprobs": 2})
    check("top_logprobs without logprobs: 400 naming top_logprobs", st == 400 and err_param(body) == "top_logprobs",
          "%d %s" % (st, short(raw)))
    st, body, raw = chat(port, dict(base, top_logprobs=21))
    check("top_logprobs 21: 400 naming top_logprobs", st == 400 and err_param(body) == "top_logprobs",
          "%d %s" % (st, short(raw)))


WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "The weather of a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 10},
                                                     "unit": {"enum": ["celsius", "fahrenheit"]}},
                   "required": ["city", "unit"], "additionalProperties": False}}}
TIME_TOOL = {"type": "function", "function": {"name": "get_time", "parameters": {
    "type": "object", "properties": {"zone": {"enum": ["UTC", "CST"]}}, "required": ["zone"],
    "additionalProperties": False}}}


def weather_call_ok(call):
    try:
        args = json.loads(call["function"]["arguments"])
    except (ValueError, KeyError, TypeError):
        return False
    name = call["function"]["name"]
    if name == "get_weather":
        return list(args) == ["city", "unit"] and isinstance(args["city"], str) and len(args["city"]) <= 10 \
            and args["unit"] in ("celsius", "fahrenheit")
    return name == "get_time" and args == {"zone": args.get("zone")} and args["zone"] in ("UTC", "CST")


def part_tools(port, model_id):
    base = {"model": model_id, "messages": msgs("What is the weather in Hangzhou?"), "max_tokens": 400, "seed": 31,
            "temperature": 1.0, "tools": [WEATHER_TOOL, TIME_TOOL]}
    # the tools reach the prompt
    st0, b0, _ = chat(port, {"model": model_id, "messages": base["messages"], "max_tokens": 1})
    st1, b1, raw = chat(port, dict(base, max_tokens=1))
    check("tools reach the prompt (prompt_tokens grow)", st0 == 200 and st1 == 200
          and b1["usage"]["prompt_tokens"] > b0["usage"]["prompt_tokens"] + 50, short(raw))
    st, body, raw = chat(port, dict(base, tool_choice="none", max_tokens=1))
    check("tool_choice none: the tools stay out of the prompt", st == 200
          and body["usage"]["prompt_tokens"] == b0["usage"]["prompt_tokens"], short(raw))
    # required, from random weights: a valid call comes out
    st, body, raw = chat(port, dict(base, tool_choice="required", n=2))
    ok = st == 200
    for c in (body["choices"] if ok else []):
        calls = c["message"].get("tool_calls") or []
        ok = ok and c["finish_reason"] == "tool_calls" and c["message"]["content"] is None and len(calls) >= 1 \
            and all(weather_call_ok(x) and x["id"].startswith("call_") and x["type"] == "function" for x in calls)
    check("tool_choice required (random weights): finish tool_calls, content null, each call a tool with "
          "arguments that satisfy its schema", ok, short(raw, 700))
    named = {"type": "function", "function": {"name": "get_time"}}
    st, body, raw = chat(port, dict(base, tool_choice=named, seed=32))
    calls = (body["choices"][0]["message"].get("tool_calls") or []) if st == 200 else []
    check("tool_choice naming get_time: exactly one call of get_time", st == 200 and len(calls) == 1
          and calls[0]["function"]["name"] == "get_time" and weather_call_ok(calls[0]), short(raw, 500))
    # streamed: name first, arguments in pieces, joined equal to the non-streamed call (same seed)
    s, r = stream(port, dict(base, tool_choice="required", parallel_tool_calls=False, seed=33, stream=True))
    chunks = [json.loads(l[6:]) for _, l in s.lines if l.startswith("data: {")]
    deltas = [tc for ch in chunks for c in ch.get("choices", []) for tc in (c.get("delta") or {}).get("tool_calls", [])]
    finish = [c.get("finish_reason") for ch in chunks for c in ch.get("choices", []) if c.get("finish_reason")]
    joined = {}
    for d in deltas:
        j = joined.setdefault(d["index"], {"id": d.get("id"), "name": d["function"].get("name"), "arguments": ""})
        j["arguments"] += d["function"].get("arguments", "")
    st, body, raw = chat(port, dict(base, tool_choice="required", parallel_tool_calls=False, seed=33))
    plain = body["choices"][0]["message"]["tool_calls"] if st == 200 else []
    check("streamed tool call: first delta has id, type and name; the arguments join into the non-streamed ones",
          s.status == 200 and finish == ["tool_calls"] and len(joined) == 1 and len(plain) == 1
          and deltas[0].get("id") and deltas[0].get("type") == "function"
          and joined[0]["name"] == plain[0]["function"]["name"]
          and joined[0]["arguments"] == plain[0]["function"]["arguments"],
          "%s vs %s" % (short(joined, 300), short(plain, 300)))
    # the conversation goes on with the tool's result; earlier calls stay in the prompt whatever their content
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather",
                                                             "arguments": "{\"city\": \"Hangzhou\"}"}}
    tokens = {}
    for content in (None, "", "Checking."):
        history = msgs("What is the weather in Hangzhou?") + [
            {"role": "assistant", "content": content, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp\": 21}"}]
        st, body, raw = chat(port, dict(base, messages=history, max_tokens=4))
        tokens[content] = body["usage"]["prompt_tokens"] if st == 200 else None
    check("a tool result continues the conversation, and the earlier call counts the same in the prompt with "
          "content null, \"\" or text", None not in tokens.values() and len(set(tokens.values())) == 1, short(tokens))
    # errors name the field
    for extra, param in (({"tool_choice": "required", "tools": None}, "tool_choice"),
                         ({"tools": [{"type": "function", "function": {"name": "bad name"}}]},
                          "tools[0].function.name"),
                         ({"tools": [{"type": "retrieval"}]}, "tools[0].type"),
                         ({"tool_choice": {"type": "function", "function": {"name": "nope"}}},
                          "tool_choice.function.name"),
                         ({"tool_choice": "sometimes"}, "tool_choice"),
                         ({"tool_choice": "required", "tools": [WEATHER_TOOL, {"type": "function", "function": {
                             "name": "f", "parameters": {"type": "object", "properties": {
                                 "n": {"type": "integer", "minimum": 1}}}}}]},
                          "tools[1].function.parameters.properties.n.minimum")):
        payload = dict(base, **extra)
        if payload.get("tools") is None:
            payload.pop("tools")
        st, body, raw = chat(port, payload)
        check("tools error %s: 400 naming %s" % (short(extra, 70), param), st == 400 and err_param(body) == param,
              "%d %s" % (st, short(raw)))


def part_beta(port, model_id):
    """DeepSeek's /beta: chat prefix completion and FIM; /v1/completions; each checked against the equivalent raw
    prompt (greedy, so the answers must be equal)."""
    def post(path, payload):
        st, _, raw = request(port, "POST", path, payload)
        return st, loads(raw), raw

    prefix = "```python\n"
    st, b, raw = post("/beta/chat/completions", {"model": model_id, "max_tokens": 6, "temperature": 0, "messages": [
        {"role": "user", "content": "Write code"}, {"role": "assistant", "content": prefix, "prefix": True}]})
    st2, b2, raw2 = post("/v1/completions", {"model": model_id, "max_tokens": 6, "temperature": 0,
                                             "prompt": "<｜User｜>Write code<｜Assistant｜>" + prefix})
    check("/beta/chat/completions prefix: the answer continues the assistant's prefix (as the raw prompt does)",
          st == 200 and st2 == 200 and b["choices"][0]["message"]["content"] == b2["choices"][0]["text"]
          and b2["object"] == "text_completion" and b2["id"].startswith("cmpl-"),
          "%s / %s" % (short(raw), short(raw2)))
    st, b3, raw = post("/v1/chat/completions", {"model": model_id, "max_tokens": 6, "temperature": 0, "messages": [
        {"role": "user", "content": "Write code"}, {"role": "assistant", "content": prefix, "prefix": True}]})
    check("prefix also on /v1", st == 200 and b3["choices"][0]["message"]["content"]
          == b["choices"][0]["message"]["content"], short(raw))
    # FIM
    fim = {"model": model_id, "prompt": "def add(a, b):\n    ", "suffix": "\n    return c", "max_tokens": 6,
           "temperature": 0}
    st, b, raw = post("/beta/completions", fim)
    st2, b2, raw2 = post("/v1/completions", {"model": model_id, "max_tokens": 6, "temperature": 0, "prompt":
                                             "<｜fim▁begin｜>def add(a, b):\n    <｜fim▁hole｜>\n    return c"
                                             "<｜fim▁end｜>"})
    check("/beta/completions with a suffix: fill in the middle through the FIM tokens",
          st == 200 and st2 == 200 and b["choices"][0]["text"] == b2["choices"][0]["text"]
          and b["usage"]["prompt_tokens"] == b2["usage"]["prompt_tokens"], "%s / %s" % (short(raw), short(raw2)))
    st, b, raw = post("/v1/completions", {"model": model_id, "prompt": "Once upon", "max_tokens": 5, "seed": 3,
                                          "echo": True, "logprobs": 2})
    lp = b["choices"][0]["logprobs"] if st == 200 else {}
    check("/v1/completions echo and logprobs 2: the text starts with the prompt; tokens, token_logprobs, "
          "top_logprobs (2 each) and text_offset per token", st == 200 and b["choices"][0]["text"].startswith("Once upon")
          and len(lp["tokens"]) == b["usage"]["completion_tokens"] == len(lp["token_logprobs"])
          == len(lp["top_logprobs"]) == len(lp["text_offset"]) and all(len(t) <= 2 for t in lp["top_logprobs"])
          and lp["text_offset"][0] == len("Once upon"), short(raw, 500))
    st, _, raw = request(port, "POST", "/v1/completions", {"model": model_id, "prompt": "Once upon", "max_tokens": 5,
                                                          "seed": 3, "stream": True})
    text = "".join(json.loads(l[6:])["choices"][0]["text"] for l in raw.decode().split("\n")
                   if l.startswith("data: {") and json.loads(l[6:])["choices"])
    st2, b2, _ = post("/v1/completions", {"model": model_id, "prompt": "Once upon", "max_tokens": 5, "seed": 3})
    check("/v1/completions streamed: the chunks join into the non-streamed text", st == 200 and st2 == 200
          and text == b2["choices"][0]["text"] and raw.decode().rstrip().endswith("data: [DONE]"), short(raw, 400))
    st, b, raw = post("/v1/completions", {"model": model_id, "prompt": "x"})
    check("/v1/completions: max_tokens defaults to 16 (OpenAI's)", st == 200 and b["usage"]["completion_tokens"] <= 16,
          short(raw))
    for path, payload, param in (
            ("/v1/completions", {"model": model_id, "prompt": 3}, "prompt"),
            ("/v1/completions", {"model": model_id, "prompt": "x", "suffix": 1}, "suffix"),
            ("/v1/completions", {"model": model_id, "prompt": "x", "logprobs": 9}, "logprobs"),
            ("/v1/completions", {"model": model_id, "prompt": "x", "temperature": 9}, "temperature"),
            ("/beta/chat/completions", {"model": model_id, "messages": [
                {"role": "assistant", "content": "a", "prefix": True}, {"role": "user", "content": "b"}]},
             "messages[0].prefix"),
            ("/beta/chat/completions", {"model": model_id, "messages": [
                {"role": "user", "content": "b"},
                {"role": "assistant", "content": "a", "reasoning_content": "hm", "prefix": True}]},
             "messages[1].reasoning_content"),
            ("/beta/chat/completions", {"model": model_id, "messages": [
                {"role": "user", "content": "b"},
                {"role": "assistant", "content": "", "reasoning_content": 3, "prefix": True}]},
             "messages[1].reasoning_content")):
        st, b, raw = post(path, payload)
        check("%s %s: 400 naming %s" % (path, short(payload, 60), param), st == 400 and err_param(b) == param,
              "%d %s" % (st, short(raw)))


def thinking_model(demo, source, work):
    """The demo model with DeepSeek-V3.1's real chat template (thinking switch; the prompt opens <think>)."""
    d = os.path.join(work, "models", "demo-v3.1-template")
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(demo):
        if name == "tokenizer_config.json":
            continue
        link = os.path.join(d, name)
        if not os.path.lexists(link):
            os.symlink(os.path.join(demo, name), link)
    with open(os.path.join(demo, "tokenizer_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    with open(os.path.join(source, "tests", "engine", "fixtures", "chat_templates", "deepseek-ai-DeepSeek-V3.1.jinja"),
              encoding="utf-8") as f:
        config["chat_template"] = f.read()
    with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False)
    return d


def part_thinking(port, model_id):
    """A model that thinks (V3.1's template): thinking on opens <think> in the prompt, so the answer is
    reasoning_content up to </think>; DeepSeek's reasoner prefix continues the thinking. Each checked against the
    raw prompt through /v1/completions (greedy: equal text)."""
    def post(path, payload):
        st, _, raw = request(port, "POST", path, payload)
        return st, loads(raw), raw

    def raw_split(prompt, n, starts_thinking):
        st, b, raw = post("/v1/completions", {"model": model_id, "max_tokens": n, "temperature": 0, "prompt": prompt})
        text = b["choices"][0]["text"] if st == 200 else None
        if text is None or not starts_thinking:
            return text, ""
        reasoning, _, content = text.partition("</think>")
        return reasoning, content.lstrip(" \n\r\t")

    user = [{"role": "user", "content": "hi"}]
    base = {"model": model_id, "max_tokens": 8, "temperature": 0}
    reasoning, content = raw_split("<｜User｜>hi<｜Assistant｜><think>", 8, True)
    st, b, raw = post("/v1/chat/completions", dict(base, messages=user, thinking={"type": "enabled"}))
    m = b["choices"][0]["message"] if st == 200 else {}
    check("thinking enabled: the prompt opens <think>, the answer streams as reasoning_content (as the raw prompt)",
          st == 200 and reasoning and m.get("reasoning_content") == reasoning and (m.get("content") or "") == content,
          "%r / %s" % (reasoning, short(raw)))
    st, _, raw = request(port, "POST", "/v1/chat/completions",
                         dict(base, messages=user, reasoning_effort="high", stream=True))
    chunks = [json.loads(l[6:]) for l in raw.decode().split("\n") if l.startswith("data: {")] if st == 200 else []
    streamed = "".join(c["choices"][0]["delta"].get("reasoning_content") or "" for c in chunks if c["choices"])
    check("reasoning_effort, streamed: the same reasoning_content in deltas", st == 200 and streamed == reasoning,
          short(raw, 500))
    text, _ = raw_split("<｜User｜>hi<｜Assistant｜><think></think>", 8, False)
    st, b, raw = post("/v1/chat/completions", dict(base, messages=user, thinking={"type": "disabled"}))
    m = b["choices"][0]["message"] if st == 200 else {}
    check("thinking disabled: the prompt closes the thinking, the answer is content",
          st == 200 and m.get("content") == text and not m.get("reasoning_content"), short(raw))

    reasoning, content = raw_split("<｜User｜>hi<｜Assistant｜><think>Let me think", 8, True)
    prefixed = user + [{"role": "assistant", "content": "", "reasoning_content": "Let me think", "prefix": True}]
    st, b, raw = post("/beta/chat/completions", dict(base, messages=prefixed, thinking={"type": "enabled"}))
    m = b["choices"][0]["message"] if st == 200 else {}
    check("reasoning_content prefix: the thinking goes on from it (as the raw prompt does)",
          st == 200 and m.get("reasoning_content") == reasoning and (m.get("content") or "") == content,
          "%r / %s" % (reasoning, short(raw)))
    text, _ = raw_split("<｜User｜>hi<｜Assistant｜><think>Let me think</think>The answer:", 8, False)
    prefixed[-1]["content"] = "The answer:"
    st, b, raw = post("/beta/chat/completions", dict(base, messages=prefixed, thinking={"type": "enabled"}))
    m = b["choices"][0]["message"] if st == 200 else {}
    check("reasoning_content and content prefix: the thinking is closed, the answer continues the content",
          st == 200 and m.get("content") == text and not m.get("reasoning_content"), short(raw))
    st, b, raw = post("/beta/chat/completions", dict(base, messages=prefixed, thinking={"type": "disabled"}))
    check("reasoning_content prefix with thinking off: 400 naming messages[1].reasoning_content",
          st == 400 and err_param(b) == "messages[1].reasoning_content", "%d %s" % (st, short(raw)))


def part_completion(port, model_id):
    base = {"model": model_id, "messages": msgs("Say something.", "You are terse."), "temperature": 1.0}
    st, body, raw = chat(port, dict(base, max_tokens=5, seed=7))
    ok = st == 200 and isinstance(body, dict)
    check("chat.completion: 200 with JSON", ok, "%d %s" % (st, short(raw)))
    if not ok:
        return None
    c0 = (body.get("choices") or [{}])[0]
    check("chat.completion: object, id, created, model, message",
          body.get("object") == "chat.completion" and str(body.get("id", "")).startswith("chatcmpl-")
          and isinstance(body.get("created"), int) and not isinstance(body.get("created"), bool)
          and body.get("model") == model_id and len(body["choices"]) == 1 and c0.get("index") == 0
          and (c0.get("message") or {}).get("role") == "assistant"
          and isinstance(c0["message"].get("content"), str)
          and c0.get("finish_reason") in ("stop", "length"), short(raw))
    u = body.get("usage")
    check("chat.completion: usage (total = prompt + completion, hit + miss = prompt)", usage_ok(u), short(u))
    n = u["completion_tokens"] if usage_ok(u) else -1
    fin = c0.get("finish_reason")
    check("max_tokens 5 ends in length after 5 tokens", (fin == "length" and n == 5) or (fin == "stop" and 0 <= n <= 5),
          "%s, %d tokens" % (fin, n))

    st, b2, raw = chat(port, dict(base, max_tokens=9, max_completion_tokens=3, seed=7))
    n2 = b2["usage"]["completion_tokens"] if st == 200 else -1
    f2 = b2["choices"][0]["finish_reason"] if st == 200 else None
    check("max_completion_tokens takes precedence over max_tokens",
          st == 200 and ((f2 == "length" and n2 == 3) or (f2 == "stop" and n2 <= 3)), short(raw))
    if st == 200 and fin == "length" and f2 == "length":
        check("max_completion_tokens 3 gives the first 3 tokens of the same answer",
              answer(body["choices"][0])[0].startswith(answer(b2["choices"][0])[0]), short(raw))

    st, b3, raw = chat(port, dict(base, max_tokens=4, seed=8, n=3))
    idx = [c.get("index") for c in b3.get("choices", [])] if st == 200 else []
    check("n=3: three choices with indexes 0, 1, 2", st == 200 and idx == [0, 1, 2]
          and all(c.get("finish_reason") in ("stop", "length") for c in b3["choices"]) and usage_ok(b3.get("usage")),
          short(raw))
    if idx == [0, 1, 2]:
        texts = [answer(c) for c in b3["choices"]]
        check("n=3: the choices are sampled apart (not all the same)", len(set(texts)) > 1, short(texts))

    st, again, raw = chat(port, dict(base, max_tokens=5, seed=7))
    check("same seed twice: the same text", st == 200 and answer(again["choices"][0]) == answer(c0),
          "%r vs %r" % (answer(c0), answer(again["choices"][0]) if st == 200 else raw))
    st, other, raw = chat(port, dict(base, max_tokens=5, seed=70))
    check("another seed: another text", st == 200 and answer(other["choices"][0]) != answer(c0), short(raw))
    return body


def part_streaming(port, model_id, plain):
    base = {"model": model_id, "messages": msgs("Say something.", "You are terse."), "temperature": 1.0,
            "max_tokens": 5, "seed": 7}
    s, r = stream(port, dict(base, stream_options={"include_usage": True}))
    check("stream: 200 text/event-stream", s.status == 200 and s.ctype.split(";")[0].strip() == "text/event-stream",
          "%d %s %s" % (s.status, s.ctype, short(s.error_body)))
    lines = [l for _, l in s.lines]
    check("stream: every line is 'data: ...', ': keep-alive' or empty; the last data is [DONE]",
          not r["bad"] and r["ends_with_done"], "bad %s; tail %s" % (short(r["bad"]), short(lines[-4:])))
    chunks = r["chunks"]
    first = chunks[0] if chunks else {}
    fd = ((first.get("choices") or [{}])[0].get("delta") or {}) if first else {}
    check("stream: the first chunk's delta has role assistant", fd.get("role") == "assistant", short(first))
    ids = {c.get("id") for c in chunks}
    check("stream: every chunk is a chat.completion.chunk of one id",
          chunks != [] and all(c.get("object") == "chat.completion.chunk" and c.get("model") == model_id
                               and isinstance(c.get("created"), int) for c in chunks)
          and len(ids) == 1 and str(next(iter(ids))).startswith("chatcmpl-"), short(chunks[:2]))
    if plain:
        want = answer(plain["choices"][0])
        got = (r["content"].get(0, ""), r["reasoning"].get(0, ""))
        check("stream: the deltas join to the non-streamed text", got == want, "%r vs %r" % (got, want))
        check("stream: finish_reason as non-streamed", r["finish"].get(0) == plain["choices"][0]["finish_reason"],
              "%s vs %s" % (r["finish"], plain["choices"][0]["finish_reason"]))
    uc = r["usage_chunks"]
    others = [c for c in chunks if c not in uc]
    check("stream_options.include_usage: one last chunk with choices [] and usage",
          len(uc) == 1 and chunks[-1] is uc[0] and usage_ok(uc[0]["usage"])
          and (not plain or uc[0]["usage"]["completion_tokens"] == plain["usage"]["completion_tokens"]
               and uc[0]["usage"]["prompt_tokens"] == plain["usage"]["prompt_tokens"]), short(uc or chunks[-1:]))
    check("stream_options.include_usage: the other chunks have usage null",
          others != [] and all("usage" in c and c["usage"] is None for c in others), short(others[:2]))

    s2, r2 = stream(port, base)
    check("stream without include_usage: no usage chunk",
          s2.status == 200 and r2["ends_with_done"] and not r2["usage_chunks"]
          and all(c.get("usage") is None for c in r2["chunks"]) and all(c.get("choices") for c in r2["chunks"]),
          short(r2["chunks"][-2:]))
    check("stream without include_usage: the same text", r2["content"] == r["content"], "%r vs %r" %
          (r2["content"], r["content"]))

    # n=2 streamed: the deltas of each choice join to that choice of the non-streamed answer
    st, b, raw = chat(port, dict(base, n=2, max_tokens=4, seed=12))
    s3, r3 = stream(port, dict(base, n=2, max_tokens=4, seed=12))
    want = {c["index"]: answer(c)[0] for c in b["choices"]} if st == 200 else None
    check("stream n=2: each choice's deltas join to the non-streamed choice",
          s3.status == 200 and r3["ends_with_done"] and {i: r3["content"].get(i, "") for i in (0, 1)} == want
          and set(r3["finish"]) == {0, 1}, "%r vs %r" % (r3["content"], want))


def part_content_parts(port, model_id):
    base = {"model": model_id, "max_tokens": 6, "seed": 11, "temperature": 1.0}
    parts = [{"role": "user", "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": "world"}]}]
    st, a, raw = chat(port, dict(base, messages=parts))
    st2, b, raw2 = chat(port, dict(base, messages=msgs("Hello\nworld")))
    check("content parts: the same answer as the newline-joined string",
          st == 200 and st2 == 200 and answer(a["choices"][0]) == answer(b["choices"][0])
          and a["usage"]["prompt_tokens"] == b["usage"]["prompt_tokens"], "%s / %s" % (short(raw), short(raw2)))
    img = [{"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]}]
    st, body, raw = chat(port, dict(base, messages=img))
    check("content parts: image_url is 400 naming messages[0].content[1].type",
          st == 400 and err_param(body) == "messages[0].content[1].type", "%d %s" % (st, short(raw)))


def part_stop(port, model_id):
    base = {"model": model_id, "messages": msgs("Write a short poem about the sea."), "temperature": 1.0,
            "max_tokens": 20, "seed": 21}
    st, _, raw = chat(port, dict(base, max_tokens=3, stop="\n\n"))
    st2, _, raw2 = chat(port, dict(base, max_tokens=3, stop=["a", "b", "c", "d"]))
    check("stop: a string or a list of 4 is accepted", st == 200 and st2 == 200, "%s / %s" % (short(raw), short(raw2)))
    st, body, raw = chat(port, dict(base, max_tokens=3, stop=["a", "b", "c", "d", "e"]))
    check("stop: 5 strings are 400 naming stop", st == 400 and err_param(body) == "stop", "%d %s" % (st, short(raw)))
    st, body, raw = chat(port, dict(base, stop=[1]))
    check("stop: a non-string is 400 naming stop[0]", st == 400 and err_param(body) == "stop[0]",
          "%d %s" % (st, short(raw)))

    st, full, raw = chat(port, base)
    if st != 200:
        check("stop: the unstopped answer", False, short(raw))
        return
    text, reasoning = answer(full["choices"][0])
    piece, before = pick_stop(text)
    if piece is None or reasoning:
        check("stop: found a piece of the answer to stop at", False, "%r / %r" % (text, reasoning))
        return
    st, cut, raw = chat(port, dict(base, stop=[piece]))
    got = answer(cut["choices"][0])[0] if st == 200 else None
    check("stop: the answer ends just before the stop string (finish stop)",
          st == 200 and got == before and piece not in got and cut["choices"][0]["finish_reason"] == "stop",
          "stop %r in %r: got %r (%s), want %r" % (piece, text, got, short(raw, 200), before))
    s, r = stream(port, dict(base, stop=[piece]))
    check("stop: streamed, the deltas never show the stop string (a partial match is held back)",
          s.status == 200 and r["content"].get(0, "") == before and r["finish"].get(0) == "stop",
          "got %r, want %r" % (r["content"].get(0), before))


def part_errors(port, model_id):
    good = {"model": model_id, "messages": msgs("Hi"), "max_tokens": 2, "seed": 3}
    st, _, raw = request(port, "POST", CHAT, b'{"model": "demo", "messages": [')
    body = loads(raw)
    check("malformed JSON: 400 invalid_json", st == 400 and error_shaped(body) and body["error"]["code"] == "invalid_json",
          "%d %s" % (st, short(raw)))
    st, _, raw = request(port, "POST", CHAT, b'{"model": "demo", "messages": [{"role": "user", "content": "x"}], '
                                             b'"max_tokens": 1e400}')
    body = loads(raw)
    check("a number beyond a double (1e400): 400 invalid_json, not 500",
          st == 400 and error_shaped(body) and body["error"]["code"] == "invalid_json", "%d %s" % (st, short(raw)))
    for field, value in [("temperature", "hot"), ("messages", "x"), ("n", 1.5), ("stream", "yes"), ("max_tokens", 0),
                         ("max_tokens", 20000), ("top_p", 2), ("presence_penalty", 3), ("model", 5),
                         ("messages", []), ("stream_options", 1)]:
        st, body, raw = chat(port, dict(good, **{field: value}))
        check("400 naming the field: %s=%s" % (field, json.dumps(value)),
              st == 400 and err_param(body) == field and body["error"]["type"] == "invalid_request_error",
              "%d %s" % (st, short(raw)))
    st, body, raw = chat(port, dict(good, messages=[{"role": "wizard", "content": "x"}]))
    check("400 naming the field: messages[0].role", st == 400 and err_param(body) == "messages[0].role",
          "%d %s" % (st, short(raw)))
    st, body, raw = chat(port, dict(good, model="gpt-4o"))
    check("unknown model: 404 naming model", st == 404 and err_param(body) == "model", "%d %s" % (st, short(raw)))
    st, _, raw = request(port, "GET", "/v1/nothing-here")
    st2, _, raw2 = request(port, "POST", "/v1/embeddings", good)
    check("unknown path: 404 with an error object", st == 404 and error_shaped(loads(raw)) and st2 == 404,
          "%d %s / %d %s" % (st, short(raw), st2, short(raw2)))
    st, body, raw = chat(port, dict(good, user="u-1", metadata={"k": "v"}, store=False, service_tier="auto"))
    check("fields ignored on purpose (user, metadata, store, service_tier): 200",
          st == 200 and body.get("object") == "chat.completion", "%d %s" % (st, short(raw)))
    for field, value in (("foo", 1), ("logit_bias", {"5": 10}), ("audio", {}), ("prediction", {})):
        st, body, raw = chat(port, dict(good, **{field: value}))
        check("a field the server does not implement (%s): 400 naming it" % field,
              st == 400 and err_param(body) == field, "%d %s" % (st, short(raw)))
    st, body, raw = chat(port, dict(good, thinking={"type": "disabled"}))
    st2, body2, raw2 = chat(port, dict(good, thinking={"type": "enabled"}))
    st3, body3, raw3 = chat(port, dict(good, reasoning_effort="high"))
    check("thinking: disabled is accepted; enabled or reasoning_effort on a model whose template cannot think "
          "is a 400 naming the field", st == 200 and st2 == 400 and err_param(body2) == "thinking" and st3 == 400
          and err_param(body3) == "reasoning_effort", "%d %s / %d %s / %d %s" % (st, short(raw), st2, short(raw2),
                                                                                st3, short(raw3)))
    st, body, raw = chat(port, dict(good, messages=msgs("word " * 5000)))
    check("a prompt beyond the context: 400 context_length_exceeded naming messages",
          st == 400 and err_param(body) == "messages" and body["error"]["code"] == "context_length_exceeded",
          "%d %s" % (st, short(raw)))

    # 10 MB: the response is read while the body is being sent (the server may answer at once or after reading it)
    st = None
    detail = ""
    s = socket.create_connection(("127.0.0.1", port), timeout=120)
    try:
        size = 10 * 1024 * 1024
        s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/json"
                   "\r\nContent-Length: %d\r\n\r\n" % (CHAT, KEY, size)).encode())

        def send_body():
            piece = b"x" * 65536
            try:
                for _ in range(size // len(piece)):
                    s.sendall(piece)
            except OSError:
                pass  # the server answered and closed: fine

        sender = threading.Thread(target=send_body, daemon=True)
        sender.start()
        got = b""
        try:
            while b"\r\n" not in got:
                b = s.recv(4096)
                if not b:
                    break
                got += b
        except OSError as e:
            detail = "%s after %r" % (e, got[:80])
        m = re.match(rb"HTTP/1\.[01] (\d{3})", got)
        st = int(m.group(1)) if m else None
        detail = detail or short(got[:200])
    finally:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()
    check("a 10 MB body: 413", st == 413, detail)

    st, body, raw = chat(port, good)
    check("after the bad requests the server still serves", st == 200 and body.get("object") == "chat.completion",
          "%d %s" % (st, short(raw)))


def part_slow_and_vanishing(srv, model_id):
    port = srv.port
    good = {"model": model_id, "messages": msgs("Quick one"), "max_tokens": 3, "seed": 4}
    slow = socket.create_connection(("127.0.0.1", port), timeout=60)
    try:
        slow.sendall(b"POST /v1/chat/compl")
        t_stall = time.monotonic()
        t = time.monotonic()
        st, body, raw = chat(port, good)
        elapsed = time.monotonic() - t
        check("a stalled client does not hold up another connection", st == 200 and elapsed < 5.0,
              "%d after %.2f s: %s" % (st, elapsed, short(raw)))
        time.sleep(max(0.0, 3.0 - (time.monotonic() - t_stall)))
        rest = json.dumps(good).encode()
        slow.sendall(b"etions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY.encode() +
                     b"\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                     str(len(rest)).encode() + b"\r\n\r\n" + rest)
        got = b""
        while True:
            b = slow.recv(65536)
            if not b:
                break
            got += b
        head, _, payload = got.partition(b"\r\n\r\n")
        check("the slow client is served once its request is complete", head.startswith(b"HTTP/1.1 200")
              and b"chat.completion" in payload, short(got[:300]))
    finally:
        slow.close()

    s = Stream(port, {"model": model_id, "messages": msgs("Tell me a long story."), "max_tokens": 2000,
                      "temperature": 1.0, "seed": 5})
    events = []
    if s.status == 200:
        s.read_until(lambda l: l.startswith("data: ") and events.append(l) is None and len(events) >= 2)
    first = loads(events[0][6:]) if events else None
    cid = first.get("id") if isinstance(first, dict) else None
    s.abort()
    check("vanishing client: the stream started (2 events)", s.status == 200 and len(events) == 2 and cid,
          short(events))
    if not cid:
        return
    m = srv.wait_for(r"^%s: \d+ choice\(s\), prompt \d+ tokens \(\d+ cached\), (\d+) generated, (.*), [0-9.]+ s$"
                     % re.escape(cid), 60)
    check("vanishing client: the server logs cancelled (client disconnected)",
          m is not None and m.group(2) == "cancelled (client disconnected)" and int(m.group(1)) < 2000,
          m.group(0) if m else "no log line for %s; stderr tail: %s" % (cid, short(srv.stderr()[-800:], 800)))


def part_prefix_cache(port, model_id):
    a_msgs = msgs("Name three whales, please, and say where they live.", "You are a helpful marine biologist.")
    st, a, raw = chat(port, {"model": model_id, "messages": a_msgs, "max_tokens": 8, "seed": 31, "temperature": 1.0})
    if st != 200:
        check("prefix cache: request A", False, short(raw))
        return
    b_msgs = a_msgs + [{"role": "assistant", "content": answer(a["choices"][0])[0]},
                       {"role": "user", "content": "And three dolphins?"}]
    st, b, raw = chat(port, {"model": model_id, "messages": b_msgs, "max_tokens": 4, "seed": 32})
    u = b.get("usage") if st == 200 else None
    check("prefix cache: the next turn reuses the conversation's cache",
          usage_ok(u) and u["prompt_cache_hit_tokens"] >= a["usage"]["prompt_tokens"]
          and u["prompt_cache_miss_tokens"] < u["prompt_tokens"]
          and u["prompt_tokens_details"]["cached_tokens"] == u["prompt_cache_hit_tokens"],
          "A %s; B %s" % (short(a["usage"]), short(u or raw)))


def part_concurrency(port, model_id):
    n = 16
    results = [None] * n
    barrier = threading.Barrier(n)

    def one(i):
        try:
            barrier.wait(30)
            s, r = stream(port, {"model": model_id, "messages": msgs("Request number %d" % i), "max_tokens": 8,
                                 "seed": 100 + i, "temperature": 1.0, "stream_options": {"include_usage": True}})
            results[i] = (s.status, r)
        except Exception as e:  # noqa: BLE001 (reported below)
            results[i] = (None, repr(e))

    t0 = time.monotonic()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    elapsed = time.monotonic() - t0
    bad = []
    for i, res in enumerate(results):
        if res is None or res[0] != 200 or not res[1]["ends_with_done"] or res[1]["bad"]:
            bad.append((i, short(res, 200)))
            continue
        r = res[1]
        u = r["usage_chunks"][0]["usage"] if len(r["usage_chunks"]) == 1 else None
        fin = r["finish"].get(0)
        if not usage_ok(u) or u["completion_tokens"] > 8 or (fin == "length" and u["completion_tokens"] != 8) \
                or fin not in ("stop", "length"):
            bad.append((i, "finish %s usage %s" % (fin, short(u))))
    check("16 concurrent streams (parallel 4, queue 32) all finish with [DONE] and sound usage", not bad,
          "%s (%.1f s)" % (short(bad, 800), elapsed))
    # the same requests alone give the same text: concurrency does not mix sessions or samplers up
    same = []
    for i in (0, 7):
        if results[i] and results[i][0] == 200:
            st, b, _ = chat(port, {"model": model_id, "messages": msgs("Request number %d" % i), "max_tokens": 8,
                                   "seed": 100 + i, "temperature": 1.0})
            same.append(st == 200 and answer(b["choices"][0])[0] == results[i][1]["content"].get(0, ""))
    check("the concurrent answers equal the same requests run alone", same and all(same), short(same))
    st, body, raw = chat(port, {"model": model_id, "messages": msgs("Still there?"), "max_tokens": 2})
    check("after the concurrent streams the server still serves", st == 200, "%d %s" % (st, short(raw)))


def part_queue_full(port, model_id):
    long_req = {"model": model_id, "messages": msgs("Tell me everything."), "max_tokens": 2000, "temperature": 1.0,
                "seed": 9}
    s = Stream(port, long_req)
    started = s.status == 200 and s.read_until(is_content_line)
    check("queue full: the first request streams", started, "%d %s" % (s.status, short(s.error_body)))
    st, h, raw = request(port, "POST", CHAT, {"model": model_id, "messages": msgs("Me too"), "max_tokens": 2})
    body = loads(raw)
    check("queue full (parallel 1, queue 0): 503 server_overloaded",
          st == 503 and error_shaped(body) and body["error"]["code"] == "server_overloaded", "%d %s" % (st, short(raw)))
    s.abort()
    # the first one's turn ends once the server notices the client left
    deadline = time.monotonic() + 30
    st = None
    while time.monotonic() < deadline:
        st, _, raw = request(port, "POST", CHAT, {"model": model_id, "messages": msgs("Me too"), "max_tokens": 2})
        if st == 200:
            break
        time.sleep(0.2)
    check("queue full: served again once the first client has left", st == 200, "%s %s" % (st, short(raw)))


def part_shutdown(srv, model_id):
    """SIGTERM while an answer streams: the client learns it was cut off (an error event, or no [DONE])."""
    s = Stream(srv.port, {"model": model_id, "messages": msgs("A long story, please."), "max_tokens": 3000,
                          "temperature": 1.0, "seed": 4, "stream_options": {"include_usage": True}})
    started = s.status == 200 and s.read_until(is_content_line)
    check("shutdown: the answer streams before SIGTERM", started, "%d %s" % (s.status, short(s.error_body)))
    stopper = threading.Thread(target=lambda: stop_and_check(srv))
    stopper.start()
    try:
        s.read_all()
    except (OSError, http.client.HTTPException):
        pass
    stopper.join(90)
    data = [l[6:] for _, l in s.lines if l.startswith("data: ")]
    errors = [loads(d) for d in data if d.startswith("{") and "error" in (loads(d) or {})]
    done = "[DONE]" in data
    coded = any(e["error"].get("code") == "server_shutting_down" for e in errors)
    check("shutdown: a cut-off stream never ends like a whole answer ([DONE] only after no error)",
          started and not (done and not errors) and (coded or not done), short(data[-3:]))


def part_keepalive(port, model_id):
    st, _, raw = request(port, "GET", "/v1/models")
    ctx = (loads(raw) or {}).get("data", [{}])[0].get("context_length")
    check("the demo model's context is 4096", ctx == 4096, short(raw))
    s, r = stream(port, {"model": model_id, "messages": msgs("hello " * 3000), "max_tokens": 3, "seed": 1,
                         "stream_options": {"include_usage": True}})
    pt = r["usage_chunks"][0]["usage"]["prompt_tokens"] if r["usage_chunks"] else None
    check("keep-alive 20 ms: ': keep-alive' lines come before the first delta of a long prompt",
          s.status == 200 and r["ends_with_done"] and not r["bad"] and r["keepalives_before_content"] >= 1
          and pt is not None and pt > 2500,
          "status %d, prompt %s tokens, %d keep-alives; first lines %s" %
          (s.status, pt, r["keepalives_before_content"], short([l for _, l in s.lines[:6]])))
    t = time.monotonic()
    st, _, raw = request(port, "POST", CHAT, {"model": model_id, "messages": msgs("world " * 3000), "max_tokens": 3,
                                              "seed": 1})
    elapsed = time.monotonic() - t
    text = raw.decode("utf-8", "replace")
    body = loads(raw)
    check("keep-alive 20 ms: a slow non-streamed answer is still JSON (whitespace, then the object)",
          st == 200 and re.match(r"\s*\{", text) is not None and isinstance(body, dict)
          and body.get("object") == "chat.completion", "%d after %.2f s: %r" % (st, elapsed, text[:120]))
    print("     (the non-streamed body began with %d newline(s) after %.2f s)" % (len(text) - len(text.lstrip()), elapsed))


def part_fairness(port, model_id):
    out = [None, None]
    barrier = threading.Barrier(2)

    def one(i):
        try:
            barrier.wait(30)
            s = Stream(port, {"model": model_id, "messages": msgs("Story %d, please." % i), "max_tokens": 64,
                              "temperature": 1.0, "seed": 50 + i})
            s.read_all()
            r = s.parsed()
            first = next((t for t, l in s.lines if is_content_line(l)), None)
            end = s.lines[-1][0] if s.lines else None
            out[i] = {"status": s.status, "first": first, "end": end, "finish": r["finish"].get(0),
                      "done": r["ends_with_done"]}
        except Exception as e:  # noqa: BLE001
            out[i] = {"error": repr(e)}

    threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    a, b = out
    ok = all(x and x.get("status") == 200 and x.get("done") and x.get("first") is not None for x in out)
    check("fairness (parallel 2): both streams of 64 tokens progress at once",
          ok and b["first"] < a["end"] and a["first"] < b["end"], short(out))


def part_host(cli, model):
    env = dict(os.environ)
    env.pop("WHALESONG_API_KEY", None)
    p = subprocess.run([cli, "serve", "--model", model, "--host", "0.0.0.0", "--port", "0", "--threads", "2"],
                       capture_output=True, timeout=120, env=env, stdin=subprocess.DEVNULL)
    err = p.stderr.decode("utf-8", "replace")
    check("--host 0.0.0.0 without a key: exit 1 naming the key", p.returncode == 1 and "key" in err.lower(),
          "rc %d: %s" % (p.returncode, short(err)))
    srv = Server(cli, model, ["--host", "0.0.0.0", "--api-key", KEY], "server --host 0.0.0.0 --api-key")
    try:
        st = request(srv.port, "GET", "/v1/models")[0] if srv.port else None
        st2 = request(srv.port, "GET", "/v1/models", key=None)[0] if srv.port else None
        check("--host 0.0.0.0 with --api-key: serves, with the key only", st == 200 and st2 == 401,
              "%s %s %s" % (st, st2, short(srv.stderr()[-500:])))
    finally:
        stop_and_check(srv)


def run_node_checks(work, source, base, model_id, label, script_name, packages, subdir):
    """Installs `packages` into WORK/subdir (once), runs tests/engine/<script_name> there against `base`, and turns
    its PASS/FAIL lines into checks named "<label>: …"."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        check("%s: npm and node are installed" % label, False, "npm %s, node %s" % (npm, node))
        return
    npm_dir = os.path.join(work, subdir)
    stamp = os.path.join(npm_dir, ".installed-" + "-".join(p.replace("/", "_") for p in packages))
    if not os.path.exists(stamp):
        os.makedirs(npm_dir, exist_ok=True)
        p = subprocess.run([npm, "install", "--prefix", npm_dir] + packages + ["--no-audit", "--no-fund",
                            "--loglevel=error"], capture_output=True, timeout=600)
        if p.returncode != 0:
            check("%s: npm install %s" % (label, " ".join(packages)), False,
                  short((p.stdout + p.stderr).decode("utf-8", "replace"), 1500))
            return
        open(stamp, "w").close()
    script = os.path.join(npm_dir, script_name)
    shutil.copyfile(os.path.join(source, "tests", "engine", script_name), script)
    p = subprocess.run([node, script, base, KEY, model_id], capture_output=True, timeout=600, cwd=npm_dir,
                       env=dict(os.environ, AI_SDK_LOG_WARNINGS="false"))
    out = p.stdout.decode("utf-8", "replace")
    reported = 0
    for line in out.splitlines():
        if line.startswith("PASS ") or line.startswith("FAIL "):
            name, _, detail = line[5:].partition(" -- ")
            check(label + ": " + name, line.startswith("PASS "), detail)
            reported += 1
        elif line.strip():
            print("     " + line)
    if p.returncode != 0 and not any(not ok for n, ok in RESULTS if n.startswith(label + ": ")):
        check("%s: %s ran" % (label, script_name), False,
              "rc %d: %s" % (p.returncode, short(p.stderr.decode("utf-8", "replace"), 1500)))
    elif reported == 0:
        check("%s: %s reported its checks" % (label, script_name), False,
              short(out + p.stderr.decode("utf-8", "replace")))


def part_sdk(work, source, base, model_id):
    run_node_checks(work, source, base, model_id, "sdk", "openai_client.mjs", ["openai@4"], "npm")


def part_agent_sdks(work, source, base, model_id):
    """Vercel's AI SDK (openai-compatible and deepseek providers) and LangChain, with tools and zod schemas."""
    run_node_checks(work, source, base, model_id, "agents", "agent_sdks.mjs",
                    ["ai@5", "@ai-sdk/openai-compatible@1", "@ai-sdk/deepseek@1", "zod@3", "@langchain/openai@0",
                     "@langchain/core@0"], "npm-agents")


def guarded(name, fn, *args):
    """Runs one part; an exception is a failed check, not the end of the test."""
    t0 = time.monotonic()
    try:
        return fn(*args)
    except Exception:  # noqa: BLE001
        check(name + " (ran without an exception)", False, traceback.format_exc()[-1500:])
        return None
    finally:
        print("  [%s: %.1f s]" % (name, time.monotonic() - t0))


def main():
    a = test_args()
    cli = a.cli
    source = a.source
    work = a.work
    sys.path.insert(0, os.path.join(source, "tools"))
    import gen_tiny_model as gen

    shared_tok = os.path.join(source, "..", "shared", "tokenizers", "deepseek-v3")
    if not os.path.isdir(shared_tok):
        print("SKIP the API server test: %s missing (the demo model needs the real tokenizer)" % shared_tok)
        return 0
    os.makedirs(work, exist_ok=True)
    t_start = time.monotonic()
    demo = ensure_model(gen, os.path.join(work, "models"), "demo", 3)
    model_id = "demo"

    servers = []
    try:
        # 1. the main server: everything that needs no special option
        main_srv = Server(cli, demo, ["--api-key", KEY, "--parallel", "4", "--queue", "32"], "main server")
        servers.append(main_srv)
        check("serve --port 0 reports the port it bound", main_srv.port is not None, short(main_srv.stderr()))
        if main_srv.port:
            port = main_srv.port
            base = "http://127.0.0.1:%d/v1" % port
            guarded("models and keys", part_models_and_keys, port, base, model_id)
            guarded("paths and bodies", part_paths_and_bodies, port, base, model_id)
            plain = guarded("chat completion", part_completion, port, model_id)
            guarded("streaming", part_streaming, port, model_id, plain)
            guarded("content parts", part_content_parts, port, model_id)
            guarded("stop", part_stop, port, model_id)
            guarded("structured output", part_structured_output, port, model_id)
            guarded("logprobs", part_logprobs, port, model_id)
            guarded("tools", part_tools, port, model_id)
            guarded("beta", part_beta, port, model_id)
            guarded("errors", part_errors, port, model_id)
            guarded("prefix cache", part_prefix_cache, port, model_id)
            guarded("slow and vanishing clients", part_slow_and_vanishing, main_srv, model_id)
            guarded("concurrency", part_concurrency, port, model_id)
            guarded("OpenAI SDK", part_sdk, work, source, base, model_id)
            guarded("agent SDKs", part_agent_sdks, work, source, base, model_id)
        servers.remove(main_srv)
        stop_and_check(main_srv)

        # 2. keep-alives every 20 ms, two at a time: keep-alive lines and fairness
        ka = Server(cli, demo, ["--api-key", KEY, "--keep-alive-ms", "20", "--parallel", "2"],
                    "server --keep-alive-ms 20 --parallel 2")
        servers.append(ka)
        check("%s starts" % ka.name, ka.port is not None, short(ka.stderr()))
        if ka.port:
            guarded("keep-alive", part_keepalive, ka.port, model_id)
            guarded("many clients", part_many_clients, ka.port, model_id)
            guarded("fairness", part_fairness, ka.port, model_id)
        servers.remove(ka)
        stop_and_check(ka)

        # 3. one at a time, nobody waiting: the 503
        one = Server(cli, demo, ["--api-key", KEY, "--parallel", "1", "--queue", "0"], "server --parallel 1 --queue 0")
        servers.append(one)
        check("%s starts" % one.name, one.port is not None, short(one.stderr()))
        if one.port:
            guarded("queue full", part_queue_full, one.port, model_id)
        servers.remove(one)
        if one.port:
            guarded("shutdown", part_shutdown, one, model_id)  # stops it (and checks the exit)
        else:
            stop_and_check(one)

        # 4. a model that thinks (V3.1's chat template)
        think = Server(cli, thinking_model(demo, source, work), ["--api-key", KEY], "server with V3.1's template")
        servers.append(think)
        check("%s starts" % think.name, think.port is not None, short(think.stderr()))
        if think.port:
            guarded("thinking", part_thinking, think.port, "demo-v3.1-template")
        servers.remove(think)
        stop_and_check(think)

        # 5 and 6. beyond loopback
        guarded("host", part_host, cli, demo)
    finally:
        for s in servers:
            s.stop()

    return summary(" (%.1f s)" % (time.monotonic() - t_start))


if __name__ == "__main__":
    sys.exit(main())
