/**
 * The observer's live facts, computed from the snapshot and the current server time (rule O3).
 * Pure functions: the component passes `serverNow` from a 1-second clock, so the numbers move
 * once a second and nothing else re-renders.
 */
import type { ObserverPanel, ParticipantView, RoomSnapshot } from '@peer-circle/shared';

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
