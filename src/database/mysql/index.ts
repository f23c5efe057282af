/** MySQL / MariaDB: registered so the scheme is known; the reader is not built yet. */
import { usageError } from '../../errors.js';
import type { Engine } from '../types.js';

export const mysqlEngine: Engine = {
  dialect: 'mysql',
  schemes: ['mysql', 'mariadb'],
  example: 'mysql://USER:PASSWORD@HOST:3306/DBNAME',
  parse() {
    throw usageError('MySQL/MariaDB databases are not supported by this build yet (not built yet). Use a postgres:// or sqlite: DATABASE_URL.');
  },
};
