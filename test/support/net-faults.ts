/** Real sockets that misbehave: a proxy that cuts a connection mid-stream, a server that refuses a login. */
import net from 'node:net';

export interface Closable {
  port: number;
  close(): Promise<void>;
}

const listen = (server: net.Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));

const closer = (server: net.Server, sockets: Set<net.Socket>) => () =>
  new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });

/** Forwards to `target`, then drops both sides once `cutAfterBytes` have come back from the server. */
export async function cuttingProxy(targetPort: number, cutAfterBytes: number): Promise<Closable> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let seen = 0;
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      seen += d.length;
      if (seen > cutAfterBytes) {
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  return { port: await listen(server), close: closer(server, sockets) };
}

/** Answers every PostgreSQL startup with FATAL 28P01, as a server with a wrong password does. */
export async function rejectingPostgres(): Promise<Closable> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', (first) => {
      // an SSLRequest (code 80877103) gets "N"; then the real startup message follows
      if (first.length === 8 && first.readInt32BE(4) === 80877103) {
        socket.write('N');
        socket.once('data', () => refuse(socket));
      } else refuse(socket);
    });
  });
  return { port: await listen(server), close: closer(server, sockets) };
}

function refuse(socket: net.Socket): void {
  const fields = ['SFATAL', 'VFATAL', 'C28P01', 'Mpassword authentication failed for user "app"'];
  const body = Buffer.concat([...fields.map((f) => Buffer.from(`${f}\0`)), Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(body.length + 4, 1);
  socket.end(Buffer.concat([header, body]));
}
