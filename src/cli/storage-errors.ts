/** A Cloudinary failure as a message that says what to check. */
import { StorageError } from '../storage/errors.js';
import { ExitCode, ExitError } from './exit.js';

export function asExitError(err: unknown): unknown {
  if (!(err instanceof StorageError)) return err;
  const fix = err.fix
    ? `${err.fix[0]!.toUpperCase()}${err.fix.slice(1)}.`
    : err.kind === 'auth'
      ? 'Cloudinary rejected the credentials: check the API key, secret and cloud name in CLOUDINARY_URL.'
      : err.kind === 'network' || err.kind === 'timeout'
        ? 'Could not reach Cloudinary: check network access (and upload_prefix in CLOUDINARY_URL, if set).'
        : 'Cloudinary answered with an error.';
  return new ExitError(ExitCode.Runtime, `${fix} (${err.message})`, { cause: err });
}
