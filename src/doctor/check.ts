/** One doctor check as data; the CLI draws it. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  status: CheckStatus;
  /** What was checked: "config", "Cloudinary", `source "photos"`. */
  what: string;
  detail: string;
  /** How to fix it, for a failure or a warning that has one. */
  fix?: string;
}

export type Report = (status: CheckStatus, what: string, detail: string, fix?: string) => void;

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
