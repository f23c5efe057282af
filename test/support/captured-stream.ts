/** A stand-in for process.stderr/stdout that keeps what is written, with the TTY flag and width a test picks. */
import { Writable } from 'node:stream';

export function capturedStream(tty: boolean, columns: number): NodeJS.WriteStream & { text: string } {
  const s = new Writable({
    write(chunk, _enc, cb) {
      s.text += chunk.toString();
      cb();
    },
  }) as unknown as NodeJS.WriteStream & { text: string };
  s.text = '';
  Object.assign(s, { isTTY: tty, columns });
  return s;
}
