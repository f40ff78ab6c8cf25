/**
 * The flow of the meeting (rules F2-F9): "come back to me" in a round, settings, the group's
 * rules, the agenda, leadership, silent signs, check-ins. Tests: tests/unit/flow.test.ts.
 */
import { SIGN_FADE_MS } from '@peer-circle/shared';
import { MAX_SIGNS, NOT_CLOSED, STICK_CLOSED, reject, requirePhase, type FamilyHandlers } from '../draft.ts';
import { isLeaderless, keeperOf } from '../state.ts';

export const flow: FamilyHandlers<'flow'> = {
  deferTurn(d, actor) {
    const s = d.s;
    requirePhase(d, ['open'], STICK_CLOSED);
    const round = s.round;
    if (!round || s.stick.holderId !== actor.id || round.order[round.index] !== actor.id) return reject('conflict', 'round.deferNotYourTurn');
    if (round.deferred.includes(actor.id)) reject('conflict', 'round.deferredAlready');
    // F2: neither a turn nor a pass; the person moves to the end of the round, once.
    round.order.splice(round.index, 1);
    round.order.push(actor.id);
    round.deferred.push(actor.id);
    s.stick = { holderId: null, since: null };
    d.emit({ type: 'turnDeferred', participantId: actor.id });
    d.offerRound(round.index, actor.id);
  },

  updateSettings(d, _actor, cmd) {
    const s = d.s;
    requirePhase(d, ['waiting', 'open'], NOT_CLOSED);
    const next = { ...s.settings };
    if (cmd.shareTimerMinutes !== undefined) next.shareTimerMinutes = cmd.shareTimerMinutes; // F3
    if (cmd.signsEnabled !== undefined) next.signsEnabled = cmd.signsEnabled;
    if (cmd.admission !== undefined) next.admission = cmd.admission;
    if (cmd.autoPass !== undefined) next.autoPass = cmd.autoPass;
    // F10: media follows the next snapshot (the stick rule reads this setting), nothing else here.
    if (cmd.leaderAlwaysHeard !== undefined) next.leaderAlwaysHeard = cmd.leaderAlwaysHeard;
    if (JSON.stringify(next) === JSON.stringify(s.settings)) return;
    s.settings = next;
    if (!next.signsEnabled) s.signs = [];
    d.emit({ type: 'settingsChanged' });
    if (next.admission === 'open') for (const e of [...s.lobby]) d.admit(e); // F6
  },

  setRules(d, _actor, cmd) {
    const s = d.s;
    requirePhase(d, ['waiting'], 'rules.locked'); // F5
    if (JSON.stringify(cmd.rules) === JSON.stringify(s.settings.rules)) return;
    s.settings = { ...s.settings, rules: [...cmd.rules] };
    d.emit({ type: 'settingsChanged' });
  },

  setAgenda(d, _actor, cmd) {
    const s = d.s;
    requirePhase(d, ['waiting', 'open'], NOT_CLOSED);
    const known = new Set(s.agenda.items.map((i) => i.id));
    const used = new Set<string>();
    const items = cmd.items.map((i) => {
      let id = i.id;
      if (id === undefined || !known.has(id) || used.has(id)) {
        s.counter += 1;
        id = `a${s.counter}`;
      }
      used.add(id);
      return { id, text: i.text };
    });
    const current = s.agenda.current !== null && used.has(s.agenda.current) ? s.agenda.current : null; // F4
    if (JSON.stringify({ items, current }) === JSON.stringify(s.agenda)) return;
    s.agenda = { items, current };
    d.emit({ type: 'agendaChanged' });
  },

  setAgendaCurrent(d, _actor, cmd) {
    const s = d.s;
    requirePhase(d, ['waiting', 'open'], NOT_CLOSED);
    if (cmd.id !== null && !s.agenda.items.some((i) => i.id === cmd.id)) reject('not_found', 'agenda.itemGone'); // F4
    if (s.agenda.current === cmd.id) return;
    s.agenda = { ...s.agenda, current: cmd.id };
    d.emit({ type: 'agendaChanged' });
  },

  handOver(d, actor, cmd) {
    requirePhase(d, ['waiting', 'open'], NOT_CLOSED);
    const t = d.member(cmd.to);
    if (t.id === actor.id) reject('conflict', 'handOver.self');
    if (t.role === 'observer') reject('conflict', 'handOver.observer');
    if (!t.present) reject('conflict', 'person.notPresent');
    // F7: the role moves; the seat's link role does not (a resume needs the same link). If the
    // new leader's connection has dropped (grace period), nobody leads now: decide() guards.
    t.role = 'leader';
    t.coLeader = false;
    actor.role = 'participant';
    d.emit({ type: 'leadershipChanged', leaderId: t.id });
  },

  setCoLeader(d, _actor, cmd) {
    requirePhase(d, ['waiting', 'open'], NOT_CLOSED);
    const t = d.member(cmd.participantId);
    if (t.role !== 'participant') reject('conflict', t.role === 'observer' ? 'coLeader.observer' : 'coLeader.leader');
    if (cmd.on && !t.present) reject('conflict', 'person.notPresent');
    if (t.coLeader === cmd.on) return;
    t.coLeader = cmd.on; // F7
    d.emit({ type: 'leadershipChanged', leaderId: d.s.participants.find((p) => p.role === 'leader')?.id ?? null });
  },

  sendSign(d, actor, cmd) {
    const s = d.s;
    requirePhase(d, ['open'], 'signs.notOpen');
    if (!s.settings.signsEnabled) reject('conflict', 'signs.off'); // F8
    s.counter += 1;
    s.signs = [...s.signs.filter((x) => x.at + SIGN_FADE_MS > d.now), { id: `s${s.counter}`, from: actor.id, kind: cmd.kind, at: d.now }].slice(-MAX_SIGNS);
    d.emit({ type: 'signSent', kind: cmd.kind });
  },

  askCheckIn(d, actor, cmd) {
    if (actor.checkIn === cmd.on) return; // F9
    actor.checkIn = cmd.on;
    d.emit({ type: 'checkInChanged' });
  },

  /**
   * F12: while the meeting is leaderless, a participant may keep the circle until the leader is
   * back, one at a time (a keeper whose connection dropped may be relieved); stepping down is
   * always allowed. decide()'s leader guard ends the role when a leader is back.
   */
  keepCircle(d, actor, cmd) {
    const s = d.s;
    const keeps = (s.keeper ?? null) === actor.id;
    if (!cmd.on) {
      if (!keeps) return;
      s.keeper = null;
      d.emit({ type: 'keeperChanged', keeperId: null });
      return;
    }
    if (keeps) return;
    requirePhase(d, ['open'], 'meeting.notOpen');
    if (!isLeaderless(s)) reject('conflict', 'keeper.notLeaderless');
    if (keeperOf(s)?.connId) reject('conflict', 'keeper.taken');
    s.keeper = actor.id;
    d.emit({ type: 'keeperChanged', keeperId: actor.id });
  },

  reportConnection(d, actor, cmd) {
    const poor = cmd.quality === 'poor';
    // F13: the same level again is no change (browsers report transitions, and again on reconnect).
    if ((actor.poorConnection === true) === poor) return;
    actor.poorConnection = poor;
    d.emit({ type: 'connectionReported' });
  },
};
