"""What scripts/compose_check.sh asks of the running stack, through its published port only, as a user
would: each subcommand prints one line of what it saw and exits 1 with the reason on stderr if it did not.

  probe.py verdict BASE                     a check answered by a model (waits for the first model)
  probe.py launch BASE TOKEN                a small teacher job through the staff API; prints its id
  probe.py loss BASE USER PASSWORD JOB      a training loss of JOB over its WebSocket, signed in
  probe.py finished BASE TOKEN JOB          JOB succeeded (waits); prints its attempts and last log line
  probe.py state BASE TOKEN                 the active model and the job count, for comparing across restarts
"""

import argparse
import http.cookiejar
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from websockets.sync.client import connect

# 47 steps: long enough on 2 cores to be stopped mid-run by `docker compose restart worker` (60 s grace).
JOB = {"method": "teacher", "teacher": "bundled-minilm", "epochs": 1, "max_train_samples": 1500, "max_eval_samples": 99}
TEXT = "Thanks for fixing the citation on this article."


class Failed(Exception):
    pass


def call(opener, method, url, body=None, token=None):
    """(status, parsed JSON body) of one request; a connection error is status 0."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        text = exc.read()
        try:
            return exc.code, json.loads(text)
        except ValueError:
            return exc.code, text.decode(errors="replace")[:200]
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        return 0, str(exc)


def until(timeout, attempt, what):
    """Call attempt() every 2 s until it returns something other than None; Failed after timeout s."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        result, last = attempt()
        if result is not None:
            return result
        time.sleep(2)
    raise Failed(f"no {what} within {timeout} s (last: {last})")


def verdict(args, opener):
    def attempt():
        status, body = call(opener, "POST", f"{args.base}/api/v1/check", {"text": TEXT})
        return (body if status == 200 else None), (status, body)

    body = until(args.timeout, attempt, "verdict")
    result, model = body["results"][0], body["model"]
    return f"{result['label']} p={result['toxic_probability']:.3f} by model {model['id']} ({model['display_name']})"


def launch(args, opener):
    status, body = call(opener, "POST", f"{args.base}/api/v1/jobs", JOB, token=args.token)
    if status != 201:
        raise Failed(f"POST /api/v1/jobs answered {status}: {body}")
    return str(body["id"])


def loss(args, opener):
    jar = http.cookiejar.CookieJar()
    session = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = f"{args.base}/accounts/login/"
    session.open(login, timeout=30).read()
    csrf = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    form = urllib.parse.urlencode({"username": args.user, "password": args.password, "csrfmiddlewaretoken": csrf})
    session.open(urllib.request.Request(login, data=form.encode(), headers={"Referer": login}), timeout=30).read()
    cookie = next((c for c in jar if c.name == "sessionid"), None)
    if cookie is None:
        raise Failed("signing in as the staff user gave no session")
    socket_url = args.base.replace("http://", "ws://", 1) + f"/ws/jobs/{args.job}/"
    headers = {"Cookie": f"sessionid={cookie.value}"}
    deadline = time.monotonic() + args.timeout
    with connect(socket_url, additional_headers=headers, origin=args.base, open_timeout=30) as socket:
        while time.monotonic() < deadline:
            message = json.loads(socket.recv(timeout=max(1, deadline - time.monotonic())))
            points = message.get("points") or []
            if points:
                return f"step {points[-1]['step']} loss {points[-1]['loss']:.4f} over ws://"
    raise Failed(f"no loss on the WebSocket within {args.timeout} s")


def finished(args, opener):
    def attempt():
        status, body = call(opener, "GET", f"{args.base}/api/v1/jobs/{args.job}", token=args.token)
        if status == 200 and body["status"] in ("failed", "cancelled"):
            raise Failed(f"job {args.job} {body['status']}: {body.get('error') or body}")
        return (body if status == 200 and body["status"] == "succeeded" else None), (status, body)

    body = until(args.timeout, attempt, f"success of job {args.job}")
    return f"job {args.job} succeeded after {body['attempts']} attempt(s) on {body['worker']}"


def state(args, opener):
    status, model = call(opener, "GET", f"{args.base}/api/v1/model")
    jobs_status, jobs = call(opener, "GET", f"{args.base}/api/v1/jobs", token=args.token)
    if status != 200 or jobs_status != 200:
        raise Failed(f"GET /api/v1/model answered {status}, /api/v1/jobs {jobs_status}")
    return json.dumps({"model": model["id"], "jobs": jobs["count"]})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, arguments in {
        "verdict": ("base",),
        "launch": ("base", "token"),
        "loss": ("base", "user", "password", "job"),
        "finished": ("base", "token", "job"),
        "state": ("base", "token"),
    }.items():
        command = commands.add_parser(name)
        for argument in arguments:
            command.add_argument(argument)
        command.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    args.base = args.base.rstrip("/")
    try:
        print(globals()[args.command](args, urllib.request.build_opener()))
    except (Failed, OSError, KeyError, ValueError, StopIteration) as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
