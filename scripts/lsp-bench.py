#!/usr/bin/env python3
"""Latency of `tendon lsp` on a copy of ../shared/corpus (skips cleanly when
it is absent): the server is driven over stdio as an editor would.

  - open: from `initialized` to the end of the first lint (a request sent
    right after it is answered only then), next to `tendon check` on the
    same copy;
  - edit: from a `didChange` of one template (a space added at its end, so
    its findings stay) to the `publishDiagnostics` of that file, N times.

Usage: scripts/lsp-bench.py [BINARY] [RUNS]  (default target/release/tendon, 40)
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, threading, time, queue

here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, '..', '..', 'shared', 'corpus')
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, '..', 'target', 'release', 'tendon')
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 40
if not os.path.isdir(corpus):
    print(f'lsp-bench: {corpus} not found; skipping')
    sys.exit(0)
binary = os.path.abspath(binary)
work = tempfile.mkdtemp(prefix='tendon-lsp-bench-')
root = os.path.join(work, 'corpus')
shutil.copytree(corpus, root, symlinks=True)


def uri(p):
    from urllib.parse import quote
    return 'file://' + quote(p)


class Server:
    def __init__(self):
        self.p = subprocess.Popen([binary, 'lsp'], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=None if os.environ.get('TENDON_LSP_TIMINGS') else subprocess.DEVNULL, cwd=root)
        self.q = queue.Queue()
        self.id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        f = self.p.stdout
        while True:
            n = None
            while True:
                line = f.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                k, v = line.split(b':', 1)
                if k.lower() == b'content-length':
                    n = int(v)
            self.q.put((time.perf_counter(), json.loads(f.read(n))))

    def send(self, msg):
        msg['jsonrpc'] = '2.0'
        b = json.dumps(msg).encode()
        t = time.perf_counter()
        self.p.stdin.write(b'Content-Length: %d\r\n\r\n' % len(b) + b)
        self.p.stdin.flush()
        return t

    def request(self, method, params):
        self.id += 1
        return self.id, self.send({'id': self.id, 'method': method, 'params': params})

    def until(self, pred):
        while True:
            t, m = self.q.get(timeout=300)
            # The server's requests (the file watcher's registration) are
            # accepted, as an editor does.
            if 'method' in m and 'id' in m:
                self.send({'id': m['id'], 'result': None})
            if pred(m):
                return t, m


# `tendon check` on the same copy, best of 3.
check = []
for _ in range(3):
    t0 = time.perf_counter()
    subprocess.run([binary, 'check', root, '--format', 'json', '--fail-on', 'never'],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root)
    check.append(time.perf_counter() - t0)

s = Server()
# Capabilities as VS Code declares them for what the server uses: it watches files.
caps = {'workspace': {'didChangeWatchedFiles': {'dynamicRegistration': True}}}
i, _ = s.request('initialize', {'processId': None, 'rootUri': uri(root), 'capabilities': caps})
s.until(lambda m: m.get('id') == i)
t0 = s.send({'method': 'initialized', 'params': {}})
i, _ = s.request('shutdown-probe/none', {})
published = {}
t_open, _ = s.until(lambda m: m.get('id') == i)
while not s.q.empty():
    _, m = s.q.get()
# Templates with findings (their diagnostics are published after every run):
# the ARM JSON file and the Bicep file with the most.
out = subprocess.run([binary, 'check', root, '--format', 'json', '--fail-on', 'never'],
                     capture_output=True, cwd=root).stdout
counts = {}
for f in json.loads(out)['findings']:
    path = os.path.join(root, f['file'])
    if f['rule'].startswith('AKS') and os.path.getsize(path) < 200_000:
        counts[path] = counts.get(path, 0) + 1
targets = [max(sorted(p for p in counts if p.endswith(ext)), key=lambda p: counts[p])
           for ext in ('.json', '.bicep')]
results = []
for target in targets:
    text = open(target, encoding='utf-8').read()
    u = uri(target)
    s.send({'method': 'textDocument/didOpen', 'params': {'textDocument': {'uri': u, 'languageId': 'json', 'version': 1, 'text': text}}})
    s.until(lambda m: m.get('method') == 'textDocument/publishDiagnostics' and m['params']['uri'] == u)
    lat = []
    for k in range(runs):
        text = text + ' '
        t0e = s.send({'method': 'textDocument/didChange', 'params': {'textDocument': {'uri': u, 'version': k + 2}, 'contentChanges': [{'text': text}]}})
        t1, _ = s.until(lambda m: m.get('method') == 'textDocument/publishDiagnostics' and m['params']['uri'] == u)
        lat.append((t1 - t0e) * 1000)
        time.sleep(0.05)
    s.send({'method': 'textDocument/didClose', 'params': {'textDocument': {'uri': u}}})
    lat.sort()
    results.append((target, lat))
i, _ = s.request('shutdown', None)
s.until(lambda m: m.get('id') == i)
s.send({'method': 'exit'})
s.p.wait(10)
shutil.rmtree(work, ignore_errors=True)
print(f'open: {(t_open - t0) * 1000:.0f} ms (tendon check on the same copy: best {min(check) * 1000:.0f} ms)')
for target, lat in results:
    p95 = lat[min(len(lat) - 1, int(round(0.95 * len(lat))) - 1)]
    print(f'edit {os.path.relpath(target, root)}: didChange -> publishDiagnostics median '
          f'{statistics.median(lat):.1f} ms, p95 {p95:.1f} ms, min {lat[0]:.1f}, max {lat[-1]:.1f} ({runs} edits)')
