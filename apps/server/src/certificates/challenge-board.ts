/**
 * HTTP-01 answers berthd is asking a CA to check right now: token → key authorization. Every
 * edge serves them (they go out with the desired state), so a CA reaching any server behind the
 * name's DNS gets the answer. Held in memory: an order lives seconds, and one cut short by a
 * restart of berthd is retried as a whole by its job.
 */
export interface ChallengeBoard {
  publish(token: string, keyAuthorization: string): void;
  withdraw(token: string): void;
  current(): Record<string, string>;
}

export function createChallengeBoard(): ChallengeBoard {
  const answers = new Map<string, string>();
  return {
    publish: (token, keyAuthorization) => void answers.set(token, keyAuthorization),
    withdraw: (token) => void answers.delete(token),
    current: () => Object.fromEntries(answers),
  };
}
