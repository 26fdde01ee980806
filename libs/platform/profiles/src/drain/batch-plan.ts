/** One row of STAGE_MESSAGES' summary: messages of one installation with one state and type. */
export interface StageSummaryRow {
  installationId: string;
  state: string;
  type: string | null;
  n: number;
  lastReceivedAt: Date | string | null;
  /** identify/track/... rows carrying both userId and anonymousId. */
  bothIds: number;
  /** Rows without a userId. */
  anonymousOnly: number;
}

export interface InstallationStat {
  installation_id: string;
  counts: Record<string, number>;
  last_event_at: string | null;
  received: boolean;
}

export interface BatchPlan {
  /** At least one message to project. */
  hasNew: boolean;
  /** Alias calls or identify calls with both ids: anonymous ids to link and profiles to merge. */
  needsLinks: boolean;
  /** Identify calls with only an anonymous id. */
  needsAnonymousProfiles: boolean;
  needsMemberships: boolean;
  /** Outcome counts of the whole batch: per type for projected messages, per reason otherwise. */
  counts: Record<string, number>;
  installations: InstallationStat[];
}

/**
 * Counter key of a message: its type when projected (`track`, `identify`, ...), otherwise why
 * it was dropped (`echo`, `duplicate`, `ignored`, `page_skipped`, `unsupported`).
 */
export const counterKey = (row: Pick<StageSummaryRow, 'state' | 'type'>): string =>
  row.state === 'new' && row.type ? row.type : row.state;

const iso = (value: Date | string | null): string | null =>
  value === null ? null : value instanceof Date ? value.toISOString() : new Date(value).toISOString();

/** Decides which statements a batch needs and what its counters add up to. Pure. */
export function planBatch(rows: readonly StageSummaryRow[]): BatchPlan {
  const counts: Record<string, number> = {};
  const perInstallation = new Map<string, InstallationStat>();
  let hasNew = false;
  let needsLinks = false;
  let needsAnonymousProfiles = false;
  let needsMemberships = false;
  for (const row of rows) {
    const key = counterKey(row);
    counts[key] = (counts[key] ?? 0) + row.n;
    let stat = perInstallation.get(row.installationId);
    if (!stat) {
      stat = { installation_id: row.installationId, counts: {}, last_event_at: null, received: false };
      perInstallation.set(row.installationId, stat);
    }
    stat.counts[key] = (stat.counts[key] ?? 0) + row.n;
    // Echoes are the hub talking to itself: they do not make a source "receiving".
    if (row.state !== 'echo' && row.n > 0) {
      stat.received = true;
      const at = iso(row.lastReceivedAt);
      if (at && (!stat.last_event_at || at > stat.last_event_at)) stat.last_event_at = at;
    }
    if (row.state !== 'new') continue;
    hasNew = true;
    if (row.type === 'alias' || (row.type === 'identify' && row.bothIds > 0)) needsLinks = true;
    if (row.type === 'identify' && row.anonymousOnly > 0) needsAnonymousProfiles = true;
    if (row.type !== 'alias') needsMemberships = true;
  }
  return { hasNew, needsLinks, needsAnonymousProfiles, needsMemberships, counts, installations: [...perInstallation.values()] };
}

/** The claimed rows to project in one transaction: the oldest ones within the event budget (at least one). */
export function pickWithinBudget<T extends { eventCount: number }>(claimed: readonly T[], maxEvents: number): T[] {
  const picked: T[] = [];
  let events = 0;
  for (const row of claimed) {
    if (picked.length > 0 && events + row.eventCount > maxEvents) break;
    picked.push(row);
    events += row.eventCount;
  }
  return picked;
}
