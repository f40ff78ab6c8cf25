/**
 * What the room says when something changes: to screen readers (the live regions), with a soft
 * sound where it helps, and — for changes that concern me — in words on the screen too (issue
 * 10, item 6: no silent changes). Call `watchRoom` while the room component initialises.
 */
import type { LobbyView, ParticipantId } from '@peer-circle/shared';
import { t, tOrdinal } from '../../lib/i18n/index.ts';
import type { RoomSession } from '../../lib/room/room.svelte.ts';
import type { Announcer } from '../../lib/ui/announcer.svelte.ts';
import { arrivalSound } from '../../lib/ui/arrival-sound.svelte.ts';
import { whenChanged } from '../../lib/ui/changes.svelte.ts';
import { arrivalTone, chime } from '../../lib/ui/chime.ts';
import { extensionAmount, minutesLeft } from './view.ts';

/**
 * The one line about my own seat shown beside my buttons: what just happened to me ("The leader
 * took the stick back", "We'll come back to you…"). It stays until the next change for me, so
 * nobody has to catch a message that disappears.
 */
export class MyNews {
  #text = $state<string | null>(null);
  /** I let the stick go myself (done, pass, come back to me): a move away from me is no news. */
  #lettingGo = false;

  get text(): string | null {
    return this.#text;
  }
  show(text: string): void {
    this.#text = text;
  }
  clear(): void {
    this.#text = null;
  }
  /** Call before sending a command that gives the stick away; `settled(false)` if it failed. */
  lettingGo(): void {
    this.#lettingGo = true;
  }
  settled(ok: boolean): void {
    if (!ok) this.#lettingGo = false;
  }
  /** The stick left me: was that my own doing? (Answers once.) */
  takeLetGo(): boolean {
    const mine = this.#lettingGo;
    this.#lettingGo = false;
    return mine;
  }
}

export function watchRoom(session: () => RoomSession, announcer: Announcer, news: MyNews): void {
  const view = () => session().view;
  const meId = (): ParticipantId | null => view().me?.id ?? null;

  whenChanged(
    () => view().holderId,
    (holderId, before) => {
      const v = view();
      const me = meId();
      if (holderId !== null && holderId === me) {
        news.clear();
        announcer.say(t('announce.youHaveStick'), 'assertive');
        chime();
        return;
      }
      // The stick left me while the meeting goes on, and not because I let it go: the leader
      // took it back or passed it on. Said in words, to me, once.
      const letGo = before !== null && before === me ? news.takeLetGo() : true;
      if (!letGo && v.phase === 'open' && !v.isLeader) {
        const to = holderId !== null ? v.byId.get(holderId) : undefined;
        const text = to && to.role !== 'leader' && !to.coLeader ? t('layout.passedOn', { name: to.name }) : t('layout.tookBack');
        news.show(text);
        announcer.say(text);
        if (to) announcer.say(t('announce.holderChanged', { name: to.name }));
        return;
      }
      const holderName = v.holder?.name;
      if (holderId !== null && holderName) announcer.say(t('announce.holderChanged', { name: holderName }));
      else announcer.say(t('announce.stickCentre'));
    },
  );

  whenChanged(
    () => view().myQueuePosition,
    (position) => {
      if (position === 1) announcer.say(t('layout.positionFirst'));
      else if (position !== null) announcer.say(tOrdinal('announce.position', position));
      // Leaving the queue because the stick came is announced by the stick itself.
      else if (!view().iHoldStick) announcer.say(t('announce.leftQueue'));
    },
  );

  whenChanged(
    () => view().phase,
    (phase) => {
      news.clear();
      if (phase === 'open') announcer.say(t('announce.meetingStarted'));
      else if (phase === 'closed') announcer.say(t('announce.meetingClosed'));
    },
  );

  whenChanged(
    () => view().round !== null,
    (inRound) => {
      // "We'll come back to you at the end of the round" is over with the round.
      if (!inRound) news.clear();
      announcer.say(inRound ? t('announce.roundStarted') : t('announce.roundEnded'));
    },
  );

  // The closing warning: said once when it starts and once per extension, never every minute.
  whenChanged(
    () => view().closing?.endsAt ?? null,
    (endsAt, before) => {
      if (endsAt === null) return;
      if (before === null) {
        const minutes = minutesLeft(view().remainingMs ?? 0);
        announcer.say(minutes === null ? t('announce.closingWarnedUnderMinute') : t('announce.closingWarned', { count: minutes }));
      } else if (endsAt > before) {
        const { unit, count } = extensionAmount(endsAt - before);
        announcer.say(unit === 'minutes' ? t('announce.extended', { count }) : t('announce.extendedSeconds', { count }));
      }
    },
  );

  whenChanged(
    () => view().snapshot?.leaderAway ?? false,
    (away) => {
      if (away && !view().snapshot?.leaderless) announcer.say(t('flow.leaderAway'));
    },
  );

  // F11, F12: the group carrying on by itself, who keeps the circle, and the leader's return.
  whenChanged(
    () => view().snapshot?.leaderless ?? false,
    (leaderless) => {
      if (leaderless) announcer.say(t('leaderless.announceLeaderless'));
      // Not when the meeting simply ended (no longer open, so no longer leaderless).
      else if (view().snapshot?.phase === 'open') announcer.say(t('leaderless.announceLeaderBack'));
    },
  );
  whenChanged(
    () => view().snapshot?.keeper ?? null,
    (keeper) => {
      if (keeper === null) return;
      const name = view().byId.get(keeper)?.name;
      if (keeper === meId()) announcer.say(t('leaderless.announceYouKeep'));
      else if (name) announcer.say(t('leaderless.announceKeptBy', { name }));
    },
  );

  whenChanged(
    () => view().snapshot?.agenda.current ?? null,
    (current) => {
      const text = view().snapshot?.agenda.items.find((i) => i.id === current)?.text;
      if (text !== undefined) announcer.say(t('agenda.announceCurrent', { text }));
    },
  );

  // Every new lobby snapshot is compared by who is in it: each new arrival is said once, with
  // one soft sound for the leader (unless switched off in this browser).
  whenChanged(
    (): LobbyView[] => view().snapshot?.leader?.lobby ?? [],
    (lobby, before) => {
      const known = new Set(before.map((p) => p.id));
      const arrived = lobby.filter((p) => !known.has(p.id));
      for (const p of arrived) announcer.say(t('people.announceWaiting', { name: p.name }));
      if (arrived.length > 0 && arrivalSound.on) arrivalTone();
    },
  );

  whenChanged(
    () => (view().role === 'leader' ? 'leader' : view().self?.coLeader ? 'coLeader' : 'none'),
    (leading) => {
      if (leading === 'leader') announcer.say(t('people.announceLeader'));
      else if (leading === 'coLeader') announcer.say(t('people.announceCoLeader'));
      else announcer.say(t('people.announceNotLeader'));
    },
  );

  whenChanged(
    () => session().connection.status,
    (status, before) => {
      if (status === 'reconnecting' || status === 'offline') {
        if (before === 'connected') announcer.say(t('announce.reconnecting'));
      } else if (status === 'connected') announcer.say(t('announce.reconnected'));
    },
  );
}
