import { Decimal } from 'decimal.js';

// Money never passes through a JS float: values arrive as decimal strings (Twilio prices, NUMERIC
// columns) and are summed as decimals. 40 significant digits is far beyond any bill.
export const Money = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
export type Money = Decimal;

export const ZERO = new Money(0);

export function sum(values: Iterable<Money>): Money {
  let total = ZERO;
  for (const value of values) total = total.plus(value);
  return total;
}

/** Reads a NUMERIC column or a Twilio price string; null stays null. */
export function moneyOrNull(value: string | null | undefined): Money | null {
  return value === null || value === undefined ? null : new Money(value);
}

/** Twilio reports charges as negative amounts ("-0.0130"); a charge is the absolute value. */
export function chargeFromTwilioPrice(price: string): Money {
  return new Money(price).abs();
}
