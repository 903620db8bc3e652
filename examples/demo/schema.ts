import { integer, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';

// The application's own table. It lives in the same database as river_job, which is what lets
// an order and its jobs commit (or roll back) together.
export const orders = pgTable('orders', {
  id: serial('id').primaryKey(),
  customer: text('customer').notNull(),
  email: text('email').notNull(),
  phone: text('phone').notNull(),
  totalCents: integer('total_cents').notNull(),
  status: text('status').notNull().default('paid'),
  paidAt: timestamp('paid_at', { withTimezone: true }).notNull().defaultNow(),
});

export type NewOrder = typeof orders.$inferInsert;

// A real app would generate this with drizzle-kit; the demo keeps setup to one statement.
export const CREATE_ORDERS_TABLE = `
  CREATE TABLE IF NOT EXISTS orders (
    id serial PRIMARY KEY,
    customer text NOT NULL,
    email text NOT NULL,
    phone text NOT NULL,
    total_cents integer NOT NULL,
    status text NOT NULL DEFAULT 'paid',
    paid_at timestamptz NOT NULL DEFAULT now()
  )`;
