/** mysql:// and mariadb:// URLs. */
import type { Engine } from '../types.js';
import { MYSQL_EXAMPLE, parseMysqlUrl, tlsSummary } from './config.js';
import { openMysql } from './reader.js';

export const mysqlEngine: Engine = {
  dialect: 'mysql',
  schemes: ['mysql', 'mariadb'],
  example: MYSQL_EXAMPLE,
  parse(value) {
    const target = parseMysqlUrl(value);
    return {
      dialect: 'mysql',
      label: target.label,
      summary: tlsSummary(target),
      open: (options) => openMysql(target, options),
    };
  },
};
