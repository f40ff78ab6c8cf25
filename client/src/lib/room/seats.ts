/**
 * Where a seat's resume secret is kept, so a reload or a dropped connection restores the seat
 * (rule S9) with its turns and queue place.
 *
 * - sessionStorage (this tab only): reloading the tab goes straight back in, no questions.
 * - localStorage (this browser): a new tab or a restarted browser *offers* "go back in as Anna",
 *   because taking the seat ends it in any other tab that still has it.
 *
 * Both are keyed by meeting id and role: a leader testing their invitation link in the same
 * browser must not take over their own leader seat. Nothing else about the meeting is stored.
 */
import type { MeetingId, ParticipantId, Role } from '@peer-circle/shared';

export interface StoredSeat {
  meetingId: MeetingId;
  role: Role;
  participantId: ParticipantId;
  name: string;
  resume: string;
}

const key = (meetingId: MeetingId, role: Role) => `peer-circle:seat:${meetingId}:${role}`;

function read(storage: Storage | undefined, meetingId: MeetingId, role: Role): StoredSeat | null {
  try {
    const raw = storage?.getItem(key(meetingId, role));
    if (!raw) return null;
    const seat = JSON.parse(raw) as Partial<StoredSeat>;
    if (
      seat.meetingId === meetingId &&
      seat.role === role &&
      typeof seat.resume === 'string' &&
      typeof seat.name === 'string' &&
      typeof seat.participantId === 'string'
    ) {
      return seat as StoredSeat;
    }
  } catch {
    // Storage may be disabled (private mode) or hold garbage: then there is simply no seat.
  }
  return null;
}

function write(storage: Storage | undefined, seat: StoredSeat): void {
  try {
    storage?.setItem(key(seat.meetingId, seat.role), JSON.stringify(seat));
  } catch {
    // Without storage a reload asks for the name again; nothing else breaks.
  }
}

function remove(storage: Storage | undefined, meetingId: MeetingId, role: Role): void {
  try {
    storage?.removeItem(key(meetingId, role));
  } catch {
    // ignore: see write()
  }
}

const local = () => (typeof localStorage === 'undefined' ? undefined : localStorage);
const session = () => (typeof sessionStorage === 'undefined' ? undefined : sessionStorage);

export const seats = {
  /** The seat this tab held (restored silently on reload). */
  tab: (meetingId: MeetingId, role: Role) => read(session(), meetingId, role),
  /** The seat this browser last held (offered, not taken, in a new tab). */
  browser: (meetingId: MeetingId, role: Role) => read(local(), meetingId, role),
  save(seat: StoredSeat): void {
    write(session(), seat);
    write(local(), seat);
  },
  /** This tab lets go (superseded, left): a reload will ask first. */
  forgetTab(meetingId: MeetingId, role: Role): void {
    remove(session(), meetingId, role);
  },
  /** The seat is gone for good (meeting ended, seat not found). */
  forget(meetingId: MeetingId, role: Role): void {
    remove(session(), meetingId, role);
    remove(local(), meetingId, role);
  },
};
