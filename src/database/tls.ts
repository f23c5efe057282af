/**
 * What each TLS mode asks of Node's TLS options, shared by the engines that speak TLS (libpq's
 * sslmode words; MySQL's spellings are mapped onto them when its URL is parsed).
 */
export type TlsCheckMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface TlsCheck {
  rejectUnauthorized: boolean;
  checkServerIdentity?: () => undefined;
}

/** undefined: no TLS. `prefer`/`require` encrypt without checking the certificate (what Heroku needs). */
export function tlsCheck(mode: TlsCheckMode): TlsCheck | undefined {
  switch (mode) {
    case 'disable':
    case 'allow':
      return undefined;
    case 'prefer':
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true };
  }
}
