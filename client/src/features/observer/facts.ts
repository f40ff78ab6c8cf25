/**
 * The observer's live facts, computed from the snapshot and the current server time (rule O3).
 * Pure functions: the component passes `serverNow` from a 1-second clock, so the numbers move
 * once a second and nothing else re-renders.
 */
import type { ObserverPanel, ParticipantView, Profile, RoomSnapshot } from '@peer-circle/shared';

/** One person's row in the facts table, live parts included. */
export interface FactRow {
  id: string;
  /** The anonymous label ("P3"). */
  label: string;
  /** The name, only when the person chose to be named to observers (rule O2); else null. */
  name: string | null;
  present: boolean;
  turns: number;
  passes: number;
  /** Finished turns plus the turn in progress. */
  speakingMs: number;
  waits: number;
  /** Finished waits plus the wait in progress. */
  waitedMs: number;
  speakingNow: boolean;
  waitingNow: boolean;
}

/**
 * Rows in circle order (the order people arrived in). People who left stay in the table: what
 * they shared still counts, they are only marked as not here now.
 */
export function factRows(snapshot: RoomSnapshot, panel: ObserverPanel, serverNow: number): FactRow[] {
  const byId = new Map<string, ParticipantView>(snapshot.participants.map((p) => [p.id, p]));
  const order = new Map<string, number>(snapshot.participants.map((p, i) => [p.id, i]));
  const holderId = snapshot.stick.holderId;
  const since = snapshot.stick.since;
  const rows: FactRow[] = [];
  for (const f of panel.facts) {
    const p = byId.get(f.id);
    if (p?.role === 'observer') continue;
    const label = p?.label ?? '?';
    const speakingNow = holderId === f.id && since !== null;
    const waitingNow = f.waitingSince !== null;
    rows.push({
      id: f.id,
      label,
      name: p && p.name !== label ? p.name : null,
      present: p?.present ?? false,
      turns: f.turns,
      passes: f.passes,
      speakingMs: f.speakingMs + (speakingNow ? Math.max(0, serverNow - since) : 0),
      waits: f.waits,
      waitedMs: f.waitedMs + (f.waitingSince !== null ? Math.max(0, serverNow - f.waitingSince) : 0),
      speakingNow,
      waitingNow,
    });
  }
  rows.sort((a, b) => (order.get(a.id) ?? Infinity) - (order.get(b.id) ?? Infinity));
  return rows;
}

/** People here now who have not had a turn yet; the one speaking now is not listed. */
export function notSpokenYet(rows: readonly FactRow[]): FactRow[] {
  return rows.filter((r) => r.present && r.turns === 0 && !r.speakingNow);
}

export interface BalanceRow {
  profile: Profile | 'unknown';
  people: number;
  turns: number;
  speakingMs: number;
  /** Whole percent of the speaking time (finished turns). */
  share: number;
  /** Whole percent of the people. */
  peopleShare: number;
}

/** The balance by profile with shares, largest share first; profiles without people are left out. */
export function balanceRows(panel: ObserverPanel): BalanceRow[] {
  const totalMs = panel.balance.reduce((sum, b) => sum + b.speakingMs, 0);
  const totalPeople = panel.balance.reduce((sum, b) => sum + b.people, 0);
  return panel.balance
    .filter((b) => b.people > 0)
    .map((b) => ({
      profile: b.profile,
      people: b.people,
      turns: b.turns,
      speakingMs: b.speakingMs,
      share: totalMs > 0 ? Math.round((b.speakingMs / totalMs) * 100) : 0,
      peopleShare: totalPeople > 0 ? Math.round((b.people / totalPeople) * 100) : 0,
    }))
    .sort((a, b) => b.speakingMs - a.speakingMs || b.people - a.people);
}

/** Below this much speaking time in all, a share says little: no warning yet. */
export const IMBALANCE_MIN_TOTAL_MS = 60_000;

/**
 * The profile that takes most of the word while being fewer than half of the people, if any.
 * The practice warns that relatives and professionals tend to talk more in mixed groups; the
 * same gentle note fits any one profile that crowds the others out. "Unknown" and "prefer not
 * to say" are mixes of people, so they are never singled out.
 */
export function imbalance(rows: readonly BalanceRow[]): BalanceRow | null {
  const totalMs = rows.reduce((sum, b) => sum + b.speakingMs, 0);
  if (totalMs < IMBALANCE_MIN_TOTAL_MS) return null;
  const top = rows.find((r) => r.profile !== 'unknown' && r.profile !== 'prefer-not-to-say' && r.share > 50 && r.peopleShare < 50);
  return top ?? null;
}
