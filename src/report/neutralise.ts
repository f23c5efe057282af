/**
 * Spreadsheet formula injection: a cell starting with = + - @ tab or CR is run as a formula by
 * Excel/Sheets. Such cells get a leading apostrophe; so does a cell that already starts with one,
 * which makes the transformation exactly reversible when a report is read back.
 */
const TRIGGER = /^[=+\-@\t\r']/;

export function neutralise(cell: string): string {
  return TRIGGER.test(cell) ? `'${cell}` : cell;
}

export function unneutralise(cell: string): string {
  return cell.startsWith("'") ? cell.slice(1) : cell;
}
