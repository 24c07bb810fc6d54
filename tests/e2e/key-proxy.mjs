// A pass-through HTTP proxy that adds "X-Api-Key: <key>" to every request, so a client that cannot send headers of
// its own (the MCP conformance suite) runs with an API key. The Host header and the body pass through unchanged.
// Usage: node key-proxy.mjs <listen port> <target origin> <key>   (listens on 127.0.0.1)
import http from 'node:http';

const [port, target, key] = process.argv.slice(2);
http.createServer((request, response) => {
  const upstream = http.request(new URL(request.url, target), { method: request.method, headers: { ...request.headers, 'x-api-key': key } }, (answer) => {
    response.writeHead(answer.statusCode, answer.headers);
    answer.pipe(response);
  });
  upstream.on('error', (error) => {
    response.writeHead(502, { 'Content-Type': 'text/plain' });
    response.end(String(error));
  });
  request.pipe(upstream);
}).listen(Number(port), '127.0.0.1', () => console.log(`key proxy on 127.0.0.1:${port} -> ${target}`));
