/**
 * RoomView: what the screens show of the latest snapshot, as `$derived` values over the
 * connection's snapshot (the plain functions in views.ts do the work). It decides nothing: what a
 * person may do next comes in their audience's snapshot. It owns one thing: the 1-second clock
 * behind the countdowns, which ticks only while there is something to count down to.
 */
import type { ClosingView, ParticipantId, ParticipantView, Phase, Role, RoomSnapshot } from '@peer-circle/shared';
import { Clock } from '../ui/clock.svelte.ts';
import type { EndedReason, Me } from './connection.svelte.ts';
import {
  canDefer,
  closingNow,
  countdownEnd,
  leadsNow,
  lookUp,
  msUntil,
  nextStep,
  notHeardYet,
  passTargets,
  peopleById,
  presentPeople,
  queuePosition,
  roundProgress,
  splitCircle,
  type NextStep,
  type PeopleById,
} from './views.ts';

/** What the view reads from the connection. */
export interface SnapshotSource {
  readonly snapshot: RoomSnapshot | null;
  readonly me: Me | null;
  readonly ended: EndedReason | null;
  /** Server time minus this device's time (ms). */
  readonly clockOffset: number;
}

export class RoomView {
  readonly #source: SnapshotSource;
  /** Ticks once a second, only while a countdown is on screen (closing warning, planned end). */
  readonly #clock = new Clock(1_000);
  readonly #stopEffects: () => void;

  constructor(source: SnapshotSource) {
    this.#source = source;
    // The clock follows the snapshot; an effect root because this view lives beside components,
    // not inside one. Ticks are aligned to the seconds of the moment counted down to.
    this.#stopEffects = $effect.root(() => {
      $effect(() => {
        const end = countdownEnd(this.#source.snapshot, this.#source.ended !== null);
        if (end === null) this.#clock.stop();
        else this.#clock.start(end - this.#source.clockOffset);
      });
    });
  }

  // The views read the source lazily (`$derived.by`): field initialisers run before the
  // constructor has set it.
  readonly #snapshot: RoomSnapshot | null = $derived.by(() => this.#source.snapshot);
  readonly #me: Me | null = $derived.by(() => this.#source.me);
  readonly #meId: ParticipantId | null = $derived(this.#me?.id ?? null);

  get snapshot(): RoomSnapshot | null {
    return this.#snapshot;
  }
  get me(): Me | null {
    return this.#me;
  }

  /** The meeting's phase; 'closed' too when it ended while we were away (no newer snapshot came). */
  readonly phase: Phase | null = $derived.by(() => (this.#source.ended === 'closed' ? 'closed' : (this.#snapshot?.phase ?? null)));
  readonly title: string = $derived(this.#snapshot?.title ?? '');
  readonly byId: PeopleById = $derived(peopleById(this.#snapshot));
  /** People in the meeting now (including those reconnecting within the grace period). */
  readonly present: ParticipantView[] = $derived(presentPeople(this.#snapshot));
  readonly #split = $derived(splitCircle(this.present));
  /** Leader and participants, in seat order: the circle. */
  readonly circle: ParticipantView[] = $derived(this.#split.circle);
  /** Observers listen apart from the circle. */
  readonly observers: ParticipantView[] = $derived(this.#split.observers);
  readonly self: ParticipantView | null = $derived(this.#meId !== null ? (this.byId.get(this.#meId) ?? null) : null);
  /** My role now: it can change during the meeting (hand-over, rule F7). */
  readonly role: Role | null = $derived(this.self?.role ?? this.#me?.role ?? null);
  /** Leader or co-leader: has the leader's tools (rule F7). */
  readonly isLeader: boolean = $derived(leadsNow(this.#snapshot, this.role, this.self));
  /** The leader proper: only they may hand over or name co-leaders. */
  readonly isMainLeader: boolean = $derived(this.role === 'leader');
  readonly isObserver: boolean = $derived(this.role === 'observer');
  readonly holderId: ParticipantId | null = $derived(this.#snapshot?.stick.holderId ?? null);
  readonly holder: ParticipantView | null = $derived(this.holderId ? (this.byId.get(this.holderId) ?? null) : null);
  readonly iHoldStick: boolean = $derived(this.#meId !== null && this.holderId === this.#meId);
  /** The queue in the server's order (rule S4). */
  readonly queue: ParticipantView[] = $derived(lookUp(this.#snapshot?.queue ?? [], this.byId));
  /** 1-based place in the queue, or null when not waiting. */
  readonly myQueuePosition: number | null = $derived(queuePosition(this.#snapshot, this.#meId));
  /** Leader only: who in the circle has not taken a turn yet. */
  readonly notHeardYet: ParticipantView[] = $derived(notHeardYet(this.circle, this.#meId, this.isLeader));
  readonly round: { current: number; total: number } | null = $derived(roundProgress(this.#snapshot?.round));
  /** "Come back to me" is offered to me now (rule F2, decided by the server). */
  readonly canDefer: boolean = $derived(canDefer(this.#snapshot, this.#meId));
  /** Leaders: who "pass to next" gives the stick to (rules S4, S8, decided by the server). */
  readonly next: NextStep = $derived(nextStep(this.#snapshot, this.byId));
  /** Leaders: whom the stick may be handed to directly (rule S6, decided by the server). */
  readonly passTargets: ParticipantView[] = $derived(passTargets(this.#snapshot, this.byId));

  /** Server time minus this device's time (ms). */
  get clockOffset(): number {
    return this.#source.clockOffset;
  }
  /** The closing warning in progress (rules C1-C3), while the meeting is open. */
  readonly closing: ClosingView | null = $derived(closingNow(this.phase, this.#snapshot));
  /** Now on the server's clock, ticking once a second while a countdown runs. */
  readonly #serverNow: number = $derived.by(() => this.#clock.now + this.#source.clockOffset);
  /** Milliseconds until the meeting closes by itself, ticking; null without a warning. */
  readonly remainingMs: number | null = $derived(msUntil(this.closing?.endsAt ?? null, this.#serverNow));
  /** Milliseconds until the group is warned by itself (rule C4), ticking; null without a planned end. */
  readonly untilAutoWarningMs: number | null = $derived(
    this.phase === 'open' && !this.closing ? msUntil(this.#snapshot?.autoWarningAt ?? null, this.#serverNow) : null,
  );

  /** A moment on the server's clock, as this device's epoch ms (for showing "ends at 19:30"). */
  toLocalTime(serverMs: number): number {
    return serverMs - this.#source.clockOffset;
  }

  /** Stops the clock. Safe to call twice. */
  close(): void {
    this.#stopEffects();
    this.#clock.close();
  }
}
