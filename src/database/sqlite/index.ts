/** sqlite: URLs and file: paths (the reader arrives with better-sqlite3). */
import { usageError } from '../../errors.js';
import type { Engine } from '../types.js';

export const sqliteEngine: Engine = {
  dialect: 'sqlite',
  schemes: ['sqlite', 'file'],
  example: 'sqlite:///ABSOLUTE/PATH/db.sqlite3',
  parse() {
    throw usageError('SQLite databases are not supported by this build yet (not built yet).');
  },
};
