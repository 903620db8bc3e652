import { THEME_CHOICES, THEME_STORAGE_KEY, type ThemeChoice } from '../theme-choice.js';

const stored = (): ThemeChoice => {
  try {
    const value = localStorage.getItem(THEME_STORAGE_KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
};

/** Applies a choice: `data-theme` on <html> for light or dark, none for system (the stylesheet then follows prefers-color-scheme). */
function apply(choice: ThemeChoice): void {
  if (choice === 'system') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', choice);
}

/**
 * Wires the header's theme control: shows the remembered choice (already applied by
 * /assets/theme.js before the first paint) and remembers each change in localStorage.
 */
export function themeControl(select: HTMLSelectElement): void {
  select.value = stored();
  apply(stored());
  select.addEventListener('change', () => {
    const choice = (THEME_CHOICES as readonly string[]).includes(select.value) ? (select.value as ThemeChoice) : 'system';
    apply(choice);
    try {
      if (choice === 'system') localStorage.removeItem(THEME_STORAGE_KEY);
      else localStorage.setItem(THEME_STORAGE_KEY, choice);
    } catch {
      // Storage blocked: the choice holds for this page only.
    }
  });
}
