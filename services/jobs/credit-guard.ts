import { CreditLimitError } from './job-errors.js';

export interface CreditGuardOptions {
  /** Reads the account's remaining credits (`GET /usage`). */
  remainingCredits: () => Promise<number>;
  /** The run's cap, in credits; undefined = only the account balance limits it. */
  maxCredits: number | undefined;
}

/**
 * Keeps a run within `maxCredits` and the account balance (docs/jobs.md). Before the first spend the
 * run declares its whole plan (the sum of each call's cost ceiling) and the guard checks it against
 * `GET /usage`; each call then reserves its ceiling before it goes out, so even a call spending its
 * worst case cannot take the run past the cap. Spent credits are what Mavera reports afterwards.
 */
export function createCreditGuard(options: CreditGuardOptions) {
  let spent = 0;
  let balance: number | undefined;

  const checkCap = (ceiling: number, what: string) => {
    if (options.maxCredits !== undefined && spent + ceiling > options.maxCredits) {
      throw new CreditLimitError(
        `${what} may cost up to ${ceiling} credits; with ${spent} already spent that would exceed maxCredits=${options.maxCredits}.`,
      );
    }
  };

  return {
    get spent(): number {
      return spent;
    },
    /** Checks the whole plan against the cap and the balance before anything is spent. */
    async preflight(plannedCeiling: number): Promise<void> {
      checkCap(plannedCeiling, 'This run');
      balance = await options.remainingCredits();
      if (plannedCeiling > balance) {
        throw new CreditLimitError(`This run may cost up to ${plannedCeiling} credits but the Mavera account has ${balance} left.`);
      }
    },
    /** Reserves one call's ceiling; throws (spending nothing) when it does not fit. */
    async reserve(ceiling: number, what: string): Promise<void> {
      checkCap(ceiling, what);
      balance ??= await options.remainingCredits();
      if (ceiling > balance) {
        throw new CreditLimitError(`${what} may cost up to ${ceiling} credits but the Mavera account has ${balance} left.`);
      }
    },
    /** Records what a call actually spent. */
    record(credits: number): void {
      spent += credits;
      if (balance !== undefined) balance -= credits;
    },
  };
}

export type CreditGuard = ReturnType<typeof createCreditGuard>;
