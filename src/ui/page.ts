const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * The one HTML page; everything else is drawn by the script from JSON. The base path is the
 * only value interpolated, and it was validated to a plain path and is escaped anyway.
 */
export function pageHtml(basePath: string, title: string): string {
  const base = escapeAttribute(basePath);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="tributary-base" content="${base}">
<title>${escapeAttribute(title)}</title>
<link rel="stylesheet" href="${base}/assets/app.css">
<script src="${base}/assets/theme.js"></script>
<script type="module" src="${base}/assets/app.js"></script>
</head>
<body>
<header>
  <h1>${escapeAttribute(title)}</h1>
  <nav><a href="#/dashboard">Dashboard</a><a href="#/jobs">Jobs</a><a href="#/queues">Queues</a><a href="#/sequences">Sequences</a><a href="#/periodic">Periodic jobs</a></nav>
  <select id="theme" class="theme" aria-label="colour theme" title="colour theme"><option value="system">system theme</option><option value="light">light</option><option value="dark">dark</option></select>
  <label class="live"><input type="checkbox" id="live" checked> live</label>
  <span id="status" role="status"></span>
</header>
<main id="view"><p>Loading…</p></main>
</body>
</html>`;
}

