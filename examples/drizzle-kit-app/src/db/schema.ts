import { integer, pgTable, serial, timestamp } from 'drizzle-orm/pg-core';

// The application's own tables.
export const orders = pgTable('orders', {
  id: serial('id').primaryKey(),
  total: integer('total').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

// The queue's tables: drizzle-kit generates their migrations next to the app's.
export * from 'tributary-queue/schema';
