/**
 * Light or dark look. By default the page follows the device (`prefers-color-scheme`, handled in
 * app.css alone); a person may instead choose light or dark, remembered in this browser only.
 * The choice is written as `data-theme` on <html>, which app.css reads, so it can be applied in
 * main.ts before the app mounts (an inline script would be refused by the CSP) and the first
 * paint already has the right colours.
 */

/** Follow the device, or a fixed look. */
export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

/** Where the choice is kept (this browser only; nothing is sent anywhere). */
export const THEME_STORAGE_KEY = 'peer-circle.theme';

export const isTheme = (v: unknown): v is Theme => typeof v === 'string' && (THEMES as readonly string[]).includes(v);

function storedTheme(): Theme {
  try {
    const v = typeof localStorage === 'undefined' ? null : localStorage.getItem(THEME_STORAGE_KEY);
    return isTheme(v) ? v : 'system';
  } catch {
    // Storage can be switched off (privacy settings); the page then follows the device.
    return 'system';
  }
}

/** Puts the choice on <html>: no attribute means "follow the device". */
export function applyTheme(theme: Theme): void {
  if (typeof document === 'undefined') return;
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}

class ThemeChoice {
  #theme = $state<Theme>(storedTheme());

  get current(): Theme {
    return this.#theme;
  }

  /** Applies and remembers a choice; "follow the device" forgets any earlier one. */
  choose(theme: Theme): void {
    this.#theme = theme;
    applyTheme(theme);
    try {
      if (theme === 'system') localStorage.removeItem(THEME_STORAGE_KEY);
      else localStorage.setItem(THEME_STORAGE_KEY, theme);
    } catch {
      // Not remembered when storage is off; the choice still holds for this page.
    }
  }

  /** Applies the remembered choice (main.ts, before the first paint). */
  restore(): void {
    applyTheme(this.#theme);
  }
}

export const theme = new ThemeChoice();
