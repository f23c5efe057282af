/**
 * The configuration file (asset-audit.config.json / .yaml / .yml), validated strictly so a typo
 * is an error rather than a silently ignored key. Types come from the schema.
 */
import { z } from 'zod';

const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, 'must be a plain SQL identifier (letters, digits, _)');

const extract = z.enum(['value', 'text', 'auto']).default('auto');

const common = {
  name: z.string().min(1).regex(/^[\w.-]+$/, 'use letters, digits, ".", "-" or "_"'),
  /** Link to the record in your app, with {id} (and any other column) substituted. */
  recordUrl: z.string().optional(),
  extract,
};

export const querySourceSchema = z
  .object({
    ...common,
    query: z.string().min(1),
  })
  .strict();

export const tableSourceSchema = z
  .object({
    ...common,
    table: identifier,
    schema: identifier.optional(),
    column: identifier,
    id: identifier.optional(),
    title: identifier.optional(),
  })
  .strict();

export const sourceSchema = z.union([querySourceSchema, tableSourceSchema]);

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    references: z.array(sourceSchema).min(1, 'list at least one reference source'),
    ignore: z.array(z.string().min(1)).default([]),
    reportsDir: z.string().min(1).default('reports'),
    cloudinary: z
      .object({
        /** Custom delivery hosts (CNAME / secure_distribution) whose URLs name this account's assets. */
        hosts: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ hosts: [] }),
    /** Which store to audit; STORAGE_URL and --storage win over it, CLOUDINARY_URL is the default. */
    storage: z
      .object({
        url: z.string().min(1).optional(),
        /** A media folder's public URL prefix (Django's MEDIA_URL): `/media/` or `https://cdn.example.com/media/`. */
        mediaUrl: z.string().min(1).optional(),
        /** Hosts that serve the media folder (`example.com`, `www.example.com:8443`): their URLs under mediaUrl name its files. */
        hosts: z.array(z.string().min(1)).optional(),
      })
      .strict()
      .optional(),
    database: z
      .object({
        statementTimeoutSeconds: z.number().int().positive().default(300),
      })
      .strict()
      .default({ statementTimeoutSeconds: 300 }),
    /** Summary email after detect. Credentials never live here: SMTP_URL carries them. */
    email: z
      .object({
        /** Recipients: "Name <addr>" or addresses; a comma-separated string or a list. */
        to: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
        from: z.string().min(1).optional(),
        /** smtp://host:port or smtps://host (no user:password — put those in SMTP_URL). */
        smtpUrl: z
          .string()
          .regex(/^smtps?:\/\/[^:@/]+(:\d+)?\/?(\?.*)?$/, 'use smtp://HOST[:PORT] or smtps://HOST[:PORT] without credentials; put user:password in the SMTP_URL environment variable')
          .optional(),
        subjectPrefix: z.string().optional(),
        /** Attach the review page (the report's .html) as well as the CSV; default true. */
        attachHtml: z.boolean().optional(),
      })
      .strict()
      .optional(),
    /** Webhook posted after detect (JSON summary, or Slack's message format). */
    notify: z
      .object({
        url: z.string().url(),
        format: z.enum(['json', 'slack']).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.references.forEach((s, i) => {
      if (seen.has(s.name)) {
        ctx.addIssue({ code: 'custom', path: ['references', i, 'name'], message: `duplicate source name "${s.name}"` });
      }
      seen.add(s.name);
    });
  });

export type FileConfig = z.infer<typeof configSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;
export type TableSourceConfig = z.infer<typeof tableSourceSchema>;
