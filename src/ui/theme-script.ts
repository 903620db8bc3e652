import { THEME_STORAGE_KEY } from './theme-choice.js';

/**
 * /assets/theme.js: a classic script in <head>, so it runs before the body is parsed and the
 * page is painted in the remembered theme, without the light flash a deferred module would allow
 * (the CSP forbids inline scripts). It only sets `data-theme` on <html>; storage that throws
 * (blocked cookies) leaves the system's theme.
 */
export const THEME_SCRIPT = `try {
  var theme = localStorage.getItem(${JSON.stringify(THEME_STORAGE_KEY)});
  if (theme === 'light' || theme === 'dark') document.documentElement.setAttribute('data-theme', theme);
} catch (e) {}
`;
