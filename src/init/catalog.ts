/** The columns `init` considers, as every engine's catalog describes them (src/database/types.ts). */
export type { CandidateColumn, ColumnKind } from '../database/types.js';

export const qualifiedName = (c: { schema: string; table: string; column: string }): string => `${c.schema}.${c.table}.${c.column}`;
