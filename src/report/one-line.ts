/**
 * A value from the data shown where one line is one record: the text email, Slack text, the
 * terminal. A title holding CR/LF (or ESC, or U+2028) must not forge a line there, so control
 * characters are shown escaped. Reports (CSV, JSON) keep the value exactly and never use this.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function oneLine(value: string): string {
  return value.replace(CONTROL, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
