/**
 * Alert bodies: a generic JSON document for SOC tooling, and a Slack incoming-webhook
 * message (`text` for notifications and clients without blocks, `blocks` for the layout).
 * Pure: an Alert in, a serialisable object out.
 */
import type { Alert } from './alert.js';

export type AlertFormat = 'json' | 'slack';

export interface JsonAlertBody {
  /** Schema version of this body, raised only on incompatible changes. */
  version: 1;
  app: 'ofguard';
  kind: Alert['kind'];
  severity: Alert['severity'];
  summary: string;
  source: string;
  target: string | null;
  proto: number | null;
  attackType: string | null;
  pattern: string | null;
  action: string | null;
  score: number | null;
  confidence: number | null;
  signals: { name: string; points: number; detail: string | null }[];
  decisionId: number | null;
  /** ISO 8601 and ms since epoch: one for people, one for programs. */
  time: string;
  timestamp: number;
}

/** Every field is present (null when it does not apply), so consumers need no guessing. */
export function jsonBody(a: Alert): JsonAlertBody {
  return {
    version: 1,
    app: 'ofguard',
    kind: a.kind,
    severity: a.severity,
    summary: a.summary,
    source: a.source,
    target: a.target ?? null,
    proto: a.proto ?? null,
    attackType: a.attackType ?? null,
    pattern: a.pattern ?? null,
    action: a.action ?? null,
    score: a.score ?? null,
    confidence: a.confidence ?? null,
    signals: a.signals.map((s) => ({ name: s.name, points: s.points, detail: s.detail ?? null })),
    decisionId: a.decisionId ?? null,
    time: new Date(a.at).toISOString(),
    timestamp: a.at,
  };
}

const SEVERITY_MARK: Record<Alert['severity'], string> = {
  low: ':large_blue_circle:',
  medium: ':large_yellow_circle:',
  high: ':large_orange_circle:',
  critical: ':red_circle:',
};

/** Slack limits a section's text to 3000 characters; long signal lists are cut to fit. */
const SLACK_TEXT_MAX = 3000;

/** Slack's mrkdwn treats these three as markup: escaped as Slack documents. */
function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface SlackBody {
  text: string;
  blocks: unknown[];
}

export function slackBody(a: Alert): SlackBody {
  const title = `${SEVERITY_MARK[a.severity]} ofguard ${a.severity.toUpperCase()} ${a.kind}: ${escapeMrkdwn(a.summary)}`;
  const fields: string[] = [`*Source*\n${escapeMrkdwn(a.source)}`];
  if (a.target) fields.push(`*Target*\n${escapeMrkdwn(a.target)}`);
  if (a.attackType) fields.push(`*Attack type*\n${a.attackType}`);
  if (a.pattern) fields.push(`*Pattern*\n${a.pattern}`);
  if (a.action) fields.push(`*Action*\n${a.action}`);
  if (a.score !== undefined) fields.push(`*Score*\n${Math.round(a.score)}`);
  if (a.decisionId !== undefined) fields.push(`*Decision*\n#${a.decisionId}`);
  let signals = a.signals.map((s) => `• \`${s.name}\` +${s.points}${s.detail ? ` — ${escapeMrkdwn(s.detail)}` : ''}`).join('\n');
  if (signals.length > SLACK_TEXT_MAX) signals = signals.slice(0, SLACK_TEXT_MAX - 1) + '…';
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: title.slice(0, SLACK_TEXT_MAX) } },
    // Slack allows at most 10 fields per section.
    { type: 'section', fields: fields.slice(0, 10).map((text) => ({ type: 'mrkdwn', text })) },
  ];
  if (signals) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Signals*\n${signals}`.slice(0, SLACK_TEXT_MAX) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: new Date(a.at).toISOString() }] });
  return { text: title, blocks };
}

export function alertBody(a: Alert, format: AlertFormat): JsonAlertBody | SlackBody {
  return format === 'slack' ? slackBody(a) : jsonBody(a);
}
