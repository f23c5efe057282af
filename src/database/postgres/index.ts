/** postgres:// and postgresql:// URLs. */
import type { Engine } from '../types.js';
import { parsePostgresUrl, POSTGRES_EXAMPLE } from './config.js';
import { openPostgres } from './reader.js';

export const postgresEngine: Engine = {
  dialect: 'postgres',
  schemes: ['postgres', 'postgresql'],
  example: POSTGRES_EXAMPLE,
  parse(value, env) {
    const target = parsePostgresUrl(value, env);
    return {
      dialect: 'postgres',
      label: target.label,
      summary: `sslmode ${target.sslMode}`,
      open: (options) => openPostgres(target, options),
    };
  },
};
