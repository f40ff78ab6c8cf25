/**
 * The way from a link to a seat: look the link up, offer the join form (or restore this tab's
 * seat silently after a reload), create the RoomSession, and come back in after the session
 * ended in another tab ("continue here instead") or after leaving ("go back in").
 */
import { isLanguage, type LookupResponse, type Profile } from '@peer-circle/shared';
import { errorText, locale, t } from '../../lib/i18n/index.ts';
import { looksLikeToken, lookupToken } from '../../lib/net/api.ts';
import { JoinError, RoomSession } from '../../lib/room/room.svelte.ts';
import { seats, type StoredSeat } from '../../lib/room/seats.ts';

export type JoinStage =
  | { kind: 'looking' }
  /** The link is malformed, unknown or expired. */
  | { kind: 'badLink' }
  /** The server could not be reached: offer to try again. */
  | { kind: 'unreachable' }
  | { kind: 'closed'; title: string }
  | { kind: 'form'; info: LookupResponse; offer: StoredSeat | null; notice: string | null }
  | { kind: 'room'; info: LookupResponse; session: RoomSession };

/** What the person chose at joining (rules O2, E4): each optional, off unless chosen. */
export interface JoinChoices {
  profile?: Profile;
  namedToObservers?: boolean;
  inAttendance?: boolean;
}

export class JoinFlow {
  #stage = $state.raw<JoinStage>({ kind: 'looking' });
  #joining = $state(false);
  #error = $state<string | null>(null);
  #closed = false;
  readonly #token: string;

  constructor(token: string) {
    this.#token = token;
  }

  get stage(): JoinStage {
    return this.#stage;
  }
  /** A join request is on its way. */
  get joining(): boolean {
    return this.#joining;
  }
  /** Why the last join attempt failed, in plain words. */
  get error(): string | null {
    return this.#error;
  }

  /** Looks the link up; a seat this tab held before a reload is restored without asking. */
  async start(): Promise<void> {
    this.#error = null;
    if (!looksLikeToken(this.#token)) {
      this.#stage = { kind: 'badLink' };
      return;
    }
    this.#stage = { kind: 'looking' };
    const res = await lookupToken(this.#token);
    if (this.#closed) return;
    if (!res.ok) {
      const code = res.error.code;
      this.#stage = code === 'offline' || code === 'internal' || code === 'rate_limited' ? { kind: 'unreachable' } : { kind: 'badLink' };
      return;
    }
    const info = res.data;
    // The invitation opens in the meeting's language, unless this person chose their own.
    locale.setMeetingLanguage(isLanguage(info.language) ? info.language : null);
    if (info.phase === 'closed') {
      seats.forget(info.meetingId, info.role);
      this.#stage = { kind: 'closed', title: info.title };
      return;
    }
    const tabSeat = seats.tab(info.meetingId, info.role);
    // Still "looking" while a reload restores the seat, so the form does not flash up.
    if (tabSeat) await this.#enter(info, tabSeat.name, tabSeat.resume);
    if (this.#closed) return;
    if (this.#stage.kind === 'looking') {
      this.#stage = { kind: 'form', info, offer: seats.browser(info.meetingId, info.role), notice: null };
    }
  }

  /** Joins with a new seat. */
  join(name: string, choices: JoinChoices = {}): Promise<void> {
    const stage = this.#stage;
    if (stage.kind !== 'form') return Promise.resolve();
    return this.#enter(stage.info, name, undefined, choices);
  }

  /** Takes back the seat this browser held ("go back in as Anna", "continue here instead"). */
  async resume(): Promise<void> {
    const stage = this.#stage;
    if (stage.kind !== 'form' && stage.kind !== 'room') return;
    const info = stage.info;
    const seat = seats.browser(info.meetingId, info.role);
    // The ended notice stays up (with its button busy) until the new seat is ready.
    if (stage.kind === 'room') stage.session.close();
    if (!seat) {
      if (stage.kind === 'room') this.#stage = { kind: 'form', info, offer: null, notice: t('join.errors.seatLost') };
      return;
    }
    await this.#enter(info, seat.name, seat.resume);
  }

  /** Ends everything this flow owns. Safe to call twice. */
  close(): void {
    this.#closed = true;
    if (this.#stage.kind === 'room') this.#stage.session.close();
    locale.setMeetingLanguage(null);
  }

  async #enter(info: LookupResponse, name: string, resume: string | undefined, choices: JoinChoices = {}): Promise<void> {
    if (this.#joining) return;
    this.#joining = true;
    this.#error = null;
    let elsewhere = false;
    try {
      const session = await RoomSession.create({
        token: this.#token,
        name,
        resume,
        ...choices,
        meetingId: info.meetingId,
        linkRole: info.role,
      });
      if (this.#closed) {
        session.close();
        return;
      }
      this.#stage = { kind: 'room', info, session };
    } catch (e) {
      if (this.#closed) return;
      // S12: this leader link's seat is open on another device now, and the person chose to
      // continue here (or reopened the page): the link itself takes the seat back.
      elsewhere = resume !== undefined && e instanceof JoinError && e.error.key === 'join.seatElsewhere';
      if (!elsewhere) this.#failed(info, e, resume !== undefined);
    } finally {
      this.#joining = false;
    }
    if (elsewhere) await this.#enter(info, name, undefined, choices);
  }

  #failed(info: LookupResponse, e: unknown, withResume: boolean): void {
    const error = e instanceof JoinError ? e.error : { code: 'internal' as const, message: '' };
    switch (error.code) {
      case 'wrong_phase':
        seats.forget(info.meetingId, info.role);
        this.#stage = { kind: 'closed', title: info.title };
        return;
      case 'not_found':
      case 'forbidden':
        if (withResume) {
          // The earlier seat is gone (or belongs to another link): start afresh, kindly.
          seats.forget(info.meetingId, info.role);
          this.#stage = { kind: 'form', info, offer: null, notice: t('join.errors.seatLost') };
        } else if (error.code === 'not_found') {
          this.#stage = { kind: 'badLink' };
        } else {
          this.#error = t('join.errors.failed', { message: errorText(error) });
        }
        return;
      case 'offline':
      case 'timeout':
        this.#error = t('join.errors.offline');
        return;
      default:
        this.#error = t('join.errors.failed', { message: errorText(error) });
    }
  }
}
