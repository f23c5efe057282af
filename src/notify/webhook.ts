/**
 * The webhook: a JSON summary POSTed to --notify-url, or Slack's incoming-webhook message
 * ({text, blocks}) when the host is hooks.slack.com or the format is set to slack.
 */
import type { DetectResult } from '../audit/result.js';
import { missingByStatus } from '../audit/result.js';
import { usageError } from '../errors.js';
import { diagnostic, registerSecret } from '../config/redact.js';
import { oneLine } from '../report/one-line.js';
import { mb, scopeText, SUMMARY_LIST_LIMIT } from '../report/summary.js';

/** A scheduled job must not hang on a webhook that never answers. */
export const WEBHOOK_TIMEOUT_MS = 15_000;
/** Slack rejects a section text over 3000 characters; the list is cut well before that. */
const SLACK_LIST_LIMIT = 10;

export type NotifyFormat = 'json' | 'slack';

export interface WebhookTarget {
  url: string;
  format: NotifyFormat;
  /** Origin only: the path of a Slack webhook is its credential. */
  label: string;
  /** `Basic …` for a URL with `user:password@` (fetch refuses credentials inside the URL). */
  authorization?: string;
}

export function parseNotifyUrl(value: string, explicitFormat: string | undefined, where: string): WebhookTarget {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw usageError(`${where} is not a valid URL (got a value that does not parse); use https://HOST/PATH`);
  }
  // a webhook URL is a capability: whoever has it can post, so its path and query (a token may
  // travel in either) never appear in a diagnostic. They are registered as one whole: a single
  // query value is not, or ?source=asset-audit would mask every "asset-audit" in the logs, nor a
  // bare path, or /hook would mask "https://hooks.slack.com".
  if (url.pathname.length > 1 || url.search.length > 1) registerSecret(url.pathname + url.search);
  registerSecret(url.password);
  registerSecret(safeDecode(url.password));
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw usageError(`${where} must be an http:// or https:// URL (got ${url.protocol}//)`);
  if (explicitFormat !== undefined && explicitFormat !== 'json' && explicitFormat !== 'slack') {
    throw usageError(`--notify-format: use json or slack (got "${explicitFormat}")`);
  }
  const format: NotifyFormat = (explicitFormat as NotifyFormat | undefined) ?? (isSlackHost(url.hostname) ? 'slack' : 'json');
  const authorization = basicAuthorization(url, where);
  url.username = '';
  url.password = '';
  return { url: url.toString(), format, label: url.origin, ...(authorization ? { authorization } : {}) };
}

/** The URL's `user:password@` as a Basic Authorization header value (RFC 7617, UTF-8). */
function basicAuthorization(url: URL, where: string): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  let user: string;
  let password: string;
  try {
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    throw usageError(`${where}: the user or password in the URL has a malformed %-escape`);
  }
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export const isSlackHost = (host: string): boolean => host === 'hooks.slack.com' || host.endsWith('.hooks.slack.com');

export interface SummaryContext {
  reportPath: string;
  exitCode: number;
  notes?: string[];
}

/** The JSON summary: counts and the first findings, never the whole result. Its fields are data, exact. */
export function jsonSummary(r: DetectResult, ctx: SummaryContext): Record<string, unknown> {
  const by = missingByStatus(r.missing);
  return {
    event: 'asset-audit.detect',
    tool: r.tool,
    cloud: r.cloudName,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.durationMs,
    scope: { ...r.scope, text: scopeText(r) },
    complete: r.complete,
    incompleteReason: r.incompleteReason ?? null,
    exitCode: ctx.exitCode,
    assetsScanned: r.listing.inScope,
    orphans: { count: r.orphans.length, bytes: r.orphanBytes, first: r.orphans.slice(0, SUMMARY_LIST_LIMIT).map((o) => ({ publicId: o.publicId, resourceType: o.resourceType, type: o.type, bytes: o.bytes })) },
    missing: {
      count: r.missing.length,
      active: by.active,
      deleted: by.deleted,
      other: by.other,
      first: r.missing.slice(0, SUMMARY_LIST_LIMIT).map((m) => ({ source: m.source, recordId: m.recordId, title: m.title, status: m.status, publicId: m.publicId, recordUrl: m.recordUrl })),
    },
    unverified: r.unverified.length,
    api: { calls: r.api.calls, limit: r.api.limit ?? null, remaining: r.api.remaining ?? null },
    report: ctx.reportPath,
    notes: ctx.notes ?? [],
  };
}

/**
 * Slack's mrkdwn treats &, < and > as markup; everything from the data is escaped, and its control
 * characters too, so a title holding a line break cannot forge a line of the message.
 */
export const slackEscape = (s: string): string => oneLine(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackMessage(r: DetectResult, ctx: SummaryContext): { text: string; blocks: unknown[] } {
  const by = missingByStatus(r.missing);
  const status = !r.complete ? ':warning: INCOMPLETE' : r.orphans.length || r.missing.length ? ':mag: Findings' : ':white_check_mark: Clean';
  const counts: string[] = [];
  if (r.scope.orphans) counts.push(`${r.orphans.length.toLocaleString('en-US')} orphaned file(s) (${mb(r.orphanBytes)})`);
  if (r.scope.missing) counts.push(`${r.missing.length.toLocaleString('en-US')} missing asset(s)${by.active ? `, ${by.active} ACTIVE` : ''}`);
  const text = slackEscape(`asset-audit ${r.cloudName}: ${counts.join(', ')}${r.complete ? '' : ' (incomplete scan)'}`);
  const fields = [
    `*Scope:* ${slackEscape(scopeText(r))}`,
    `*Assets scanned:* ${r.listing.inScope.toLocaleString('en-US')}`,
    `*API calls:* ${r.api.calls}${r.api.limit !== undefined ? ` (budget left ${r.api.remaining}/${r.api.limit})` : ''}`,
    `*Report:* \`${slackEscape(ctx.reportPath)}\``,
  ];
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: `${status.replace(/:[a-z_]+: /, '')} — asset-audit ${oneLine(r.cloudName)}`.slice(0, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: `${status} ${text}` } },
    { type: 'section', fields: fields.map((f) => ({ type: 'mrkdwn', text: f })) },
  ];
  if (!r.complete) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Incomplete:* ${slackEscape(r.incompleteReason ?? 'stopped early')}` } });
  for (const note of ctx.notes ?? []) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `:chart_with_upwards_trend: ${slackEscape(note)}` } });
  if (by.active) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `:rotating_light: *${by.active} ACTIVE record(s) show broken media to users.*` } });
  if (r.missing.length) {
    const lines = r.missing.slice(0, SLACK_LIST_LIMIT).map((m) => `• ${slackEscape(`${m.source} #${m.recordId || '?'}${m.title ? ` '${m.title}'` : ''} [${m.status}] → ${m.publicId}`)}`);
    if (r.missing.length > SLACK_LIST_LIMIT) lines.push(`… and ${r.missing.length - SLACK_LIST_LIMIT} more in the report`);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Records with missing assets*\n${lines.join('\n')}` } });
  }
  if (r.orphans.length) {
    const lines = r.orphans.slice(0, SLACK_LIST_LIMIT).map((o) => `• \`${slackEscape(o.publicId)}\` (${o.resourceType}/${o.type}, ${mb(o.bytes)})`);
    if (r.orphans.length > SLACK_LIST_LIMIT) lines.push(`… and ${r.orphans.length - SLACK_LIST_LIMIT} more in the report`);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Orphaned files*\n${lines.join('\n')}` } });
  }
  return { text, blocks };
}

/** Data: nothing in it is masked (a credential is never part of a result). */
export function webhookBody(target: WebhookTarget, r: DetectResult, ctx: SummaryContext): string {
  return JSON.stringify(target.format === 'slack' ? slackMessage(r, ctx) : jsonSummary(r, ctx));
}

/** POSTs the body; throws an Error naming the status (never the URL) on failure. */
export async function postWebhook(target: WebhookTarget, body: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'asset-audit', ...(target.authorization ? { authorization: target.authorization } : {}) },
      body,
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    throw new Error(`webhook ${target.label}: ${e.name === 'TimeoutError' ? `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s` : (e.cause?.code ?? diagnostic(e.message))}`);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) throw new Error(`webhook ${target.label} answered ${res.status}${text ? `: ${diagnostic(text).slice(0, 200)}` : ''}`);
}
