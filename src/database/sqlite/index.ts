/** sqlite: URLs and file: paths. */
import type { Engine } from '../types.js';
import { sqlitePath, SQLITE_EXAMPLE } from './config.js';
import { openSqlite } from './reader.js';

export const sqliteEngine: Engine = {
  dialect: 'sqlite',
  schemes: ['sqlite', 'file'],
  example: SQLITE_EXAMPLE,
  parse(value) {
    const file = sqlitePath(value);
    return {
      dialect: 'sqlite',
      label: file,
      summary: 'SQLite file, opened read-only',
      open: (options) => openSqlite(file, options),
    };
  },
};
