// A small HTTP(S) client for e2e tests: unlike fetch, it can set the Host header, trust a
// throwaway CA, send any method, and report a connection closed without a response.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** PEM of a CA to trust (https only). */
  ca?: string | Buffer;
  /** TLS server name (SNI) when it differs from the URL's host. */
  servername?: string;
  timeoutMs?: number;
}

/** Resolves with the response, or rejects when the server closes the connection without one. */
export function request(url: string, options: HttpOptions = {}): Promise<HttpResponse> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        ca: options.ca,
        servername: options.servername,
        agent: false,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out: ${options.method ?? 'GET'} ${url}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Polls until `url` answers at all (any status), or throws after `timeoutMs`. */
export async function waitForHttp(url: string, options: HttpOptions = {}, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      await request(url, { ...options, timeoutMs: 2_000 });
      return;
    } catch (error) {
      lastError = error;
      await new Promise((done) => setTimeout(done, 200));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

/** Pulls the CSRF token out of a page's `<meta name="csrf-token">` or a hidden form field. */
export function csrfTokenFrom(html: string): string {
  const match = /name="csrf-token"\s+content="([^"]+)"|name="csrf_token"[^>]*value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token in the page');
  return (match[1] ?? match[2])!;
}

/** The `name=value` pairs of Set-Cookie headers, ready for a Cookie header. */
export function cookieHeader(headers: http.IncomingHttpHeaders): string {
  return (headers['set-cookie'] ?? []).map((cookie) => cookie.split(';')[0]).join('; ');
}

/** A TCP port on 127.0.0.1 that is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
