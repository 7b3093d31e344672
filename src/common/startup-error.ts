/**
 * A reason the relay cannot start that the operator can act on (the message says what to do).
 * It is printed as one line, without a stack.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
