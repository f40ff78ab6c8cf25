/**
 * What this browser remembers about a weekly group, in localStorage only (G8: the server keeps
 * no name across meetings): the person's own pseudonym, the group's links for the leader who
 * created it, and a facilitator link handed to this person. Never sent anywhere.
 */
import type { GroupFacilitation, Role } from '@peer-circle/shared';

const get = <T>(key: string): T | null => {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null; // storage disabled or garbage: nothing remembered
  }
};
const put = (key: string, value: unknown): void => {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Without storage the person types their name again; nothing else breaks.
  }
};
const drop = (key: string): void => {
  try {
    localStorage.removeItem(key);
  } catch {
    // see put()
  }
};

const k = (groupId: string, what: string) => `peer-circle:group:${groupId}:${what}`;

export const groupMemory = {
  name: (groupId: string) => get<string>(k(groupId, 'name')),
  saveName: (groupId: string, name: string) => put(k(groupId, 'name'), name),
  links: (groupId: string) => get<Record<Role, string>>(k(groupId, 'links')),
  saveLinks: (groupId: string, links: Record<Role, string>) => put(k(groupId, 'links'), links),
  facilitation: (groupId: string) => get<GroupFacilitation>(k(groupId, 'facilitation')),
  saveFacilitation: (f: GroupFacilitation) => put(k(f.groupId, 'facilitation'), f),
  /** Forgets everything about a group (it was deleted). */
  forget(groupId: string): void {
    for (const what of ['name', 'links', 'facilitation']) drop(k(groupId, what));
  },
};
