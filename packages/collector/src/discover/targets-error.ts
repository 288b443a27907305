/** A scan target (or exclusion, or list file) that cannot be used; the message names the bad input. */
export class TargetError extends Error {
  override name = "TargetError";
  /** The target as the user wrote it, or the list file's name. */
  readonly input: string;

  constructor(input: string, message: string) {
    super(message);
    this.input = input;
  }
}
