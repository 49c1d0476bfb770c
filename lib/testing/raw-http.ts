/**
 * A raw HTTP/1.1 client that sends exactly the bytes it is given — no URL normalising, no
 * header validation — and reads the answer until the server closes the connection.
 */
import net from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends these exact bytes and reads the answer until the server closes the connection (the
 * request should say `Connection: close`). Null when the server closed without answering.
 */
export function rawExchange(port: number, bytes: Buffer, o: { timeoutMs?: number; halfClose?: boolean } = {}): Promise<RawAnswer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${o.timeoutMs ?? 10_000} ms to ${JSON.stringify(bytes.subarray(0, 200).toString('latin1'))}`));
    }, o.timeoutMs ?? 10_000);
    socket.on('connect', () => {
      socket.write(bytes);
      if (o.halfClose) socket.end();
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {}); // a reset after the answer is fine; no answer is judged below
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseAnswer(Buffer.concat(chunks)));
    });
  });
}

function parseAnswer(buf: Buffer): RawAnswer | null {
  let rest = buf;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const head = rest.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1]);
    if (!status) return null;
    const headers: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    rest = rest.subarray(end + 4);
    if (status >= 100 && status < 200) continue; // 100 Continue: the real answer follows
    let body: Buffer;
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts: Buffer[] = [];
      let r = rest;
      for (;;) {
        const eol = r.indexOf('\r\n');
        if (eol < 0) break;
        const size = parseInt(r.subarray(0, eol).toString('latin1'), 16);
        if (!size) break;
        parts.push(r.subarray(eol + 2, eol + 2 + size));
        r = r.subarray(eol + 2 + size + 2);
      }
      body = Buffer.concat(parts);
    } else if (headers['content-length'] !== undefined) {
      body = rest.subarray(0, Number(headers['content-length']));
    } else {
      body = rest;
    }
    return { status, headers, body: body.toString('utf8') };
  }
}

