import { defineConfig } from 'drizzle-kit';

// The library's own migrations, generated from src/schema by `npm run db:generate`.
// `tributary migrate` applies them (plus the River interop migration) for apps that do not run
// drizzle-kit themselves.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/index.ts',
  out: './drizzle',
});
