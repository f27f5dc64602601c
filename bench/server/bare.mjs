// The floor of `npm run bench:server`: a bare `node:http` server that answers every
// request with one fixed JSON body (a created flow's, as the reference server sends it),
// so that the flows created per second are read as a ratio to what Node's HTTP stack
// alone answers on the same machine, in the same run, with the same load.
//
//   node bench/server/bare.mjs <port> <body file>   prints "listening" once it listens
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [port, bodyFile] = process.argv.slice(2);
const body = readFileSync(bodyFile);
const headers = {
  'Content-Type': 'application/json',
  'Content-Length': String(body.length),
  'Cache-Control': 'no-store',
};
const server = createServer((req, res) => {
  // Read the request body as a server must before answering.
  req.resume();
  req.on('end', () => {
    res.writeHead(201, headers);
    res.end(body);
  });
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
