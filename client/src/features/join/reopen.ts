/**
 * "Open a new meeting with the same title, rules and agenda": the body for POST /api/meetings,
 * taken from the last snapshot of a meeting the server could not keep. Settings the leader chose
 * come along; people, turns and notes do not (they were never meant to outlive a meeting).
 */
import { CreateMeetingBody, type RoomSnapshot } from '@peer-circle/shared';

export function reopenBody(s: RoomSnapshot): CreateMeetingBody {
  const body = {
    title: s.title,
    rules: s.settings.rules,
    agenda: s.agenda.items.map((i) => i.text),
    closingWarningMinutes: s.settings.closingWarningMinutes,
    autoPass: s.settings.autoPass,
    shareTimerMinutes: s.settings.shareTimerMinutes,
    admission: s.settings.admission,
    signsEnabled: s.settings.signsEnabled,
    ...(s.settings.durationMinutes !== null ? { durationMinutes: s.settings.durationMinutes } : {}),
  };
  const parsed = CreateMeetingBody.safeParse(body);
  // A server with other limits than this page's: the title, rules and agenda are what matter.
  return parsed.success ? parsed.data : { title: s.title, rules: s.settings.rules, agenda: body.agenda };
}
