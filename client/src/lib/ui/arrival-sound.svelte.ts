/**
 * The leader's choice to hear a soft sound when someone arrives in the lobby (issue 10, item 2).
 * On by default; switching it off is remembered in this browser only (nothing is sent anywhere).
 */
const STORAGE_KEY = 'peer-circle.arrivalSound';

function stored(): boolean {
  try {
    return typeof localStorage === 'undefined' || localStorage.getItem(STORAGE_KEY) !== 'off';
  } catch {
    // Storage switched off (privacy settings): the default holds for this page.
    return true;
  }
}

class ArrivalSound {
  #on = $state(stored());

  get on(): boolean {
    return this.#on;
  }

  set(on: boolean): void {
    this.#on = on;
    try {
      if (on) localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, 'off');
    } catch {
      // Not remembered when storage is off; the choice still holds for this page.
    }
  }
}

export const arrivalSound = new ArrivalSound();
