/** The stop a store's budget imposes: thrown instead of a call that would pass the stop threshold. */
import type { Budget } from './types.js';

export class BudgetExhausted extends Error {
  constructor(
    message: string,
    readonly budget?: Budget,
  ) {
    super(message);
    this.name = 'BudgetExhausted';
  }
}
