#!/usr/bin/env python3
"""Test HTTP server on 127.0.0.1 with Range support: serves one directory; prints its port.
/drop/NAME sends NAME's headers (full Content-Length) and half its body, then closes the connection;
/moved/NAME redirects to /NAME; /away/NAME redirects to a file: URL (which must be refused)."""
import http.server, os, signal, sys, threading

# The test runner may start children with SIGTERM ignored: restore the default, and exit on our own
# after 120 s whatever happens.
signal.signal(signal.SIGTERM, signal.SIG_DFL)
threading.Timer(120, os._exit, [0]).start()
# Exit as soon as the test closes our standard input.
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()

root = sys.argv[1]

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path.startswith("/moved/"):
            self.send_response(302); self.send_header("Location", "/" + os.path.basename(self.path)); self.end_headers(); return
        if self.path.startswith("/away/"):
            self.send_response(302); self.send_header("Location", "file:///etc/passwd"); self.end_headers(); return
        drop = self.path.startswith("/drop/")
        path = os.path.join(root, os.path.basename(self.path))
        if not os.path.isfile(path):
            self.send_response(404); self.end_headers(); return
        data = open(path, "rb").read()
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
            if start >= len(data):
                self.send_response(416); self.end_headers(); return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data)-1}/{len(data)}")
            data = data[start:]
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if drop:
            self.wfile.write(data[: len(data) // 2]); self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(data)

s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
