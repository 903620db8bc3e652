/**
 * The theme a person picked in the UI's header, shared by the page's two scripts: the blocking
 * /assets/theme.js that applies it before the first paint, and the app's control that changes it.
 */

/** The localStorage key holding the choice: `'light'` or `'dark'`; absent means follow the system. */
export const THEME_STORAGE_KEY = 'tributary:theme';

/** The choices of the header's control; `system` follows prefers-color-scheme. */
export const THEME_CHOICES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];
