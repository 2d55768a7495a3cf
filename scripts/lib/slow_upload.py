"""A client that uploads too slowly, over and over: declares a 100 kB PNG, then sends 16 bytes a second until the
service answers or closes. Writes one CSV row per attempt in hey's columns (response-time, status-code, offset)."""
import socket
import sys
import time

url_port, duration, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
began = time.time()
with open(out, "w") as f:
    f.write("response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset\n")
    while time.time() - began < duration:
        start = time.time()
        status = 0
        try:
            with socket.create_connection(("127.0.0.1", url_port), timeout=120) as s:
                s.sendall(b"POST /translate HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n")
                s.settimeout(1.0)
                answer = b""
                while time.time() - start < 120 and not answer:
                    try:
                        answer = s.recv(4096)
                        if not answer:
                            break
                    except socket.timeout:
                        try:
                            s.sendall(b"\x00" * 16)
                        except OSError:
                            break
                if answer.startswith(b"HTTP/1.1 "):
                    status = int(answer[9:12])
        except OSError:
            time.sleep(0.5)   # refused (the service gone): try again shortly, not in a tight loop
        f.write(f"{time.time() - start:.4f},0,0,0,0,0,{status},{start - began:.4f}\n")
        f.flush()
