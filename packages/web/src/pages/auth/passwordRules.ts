/** Mirrors the portal's rule (auth/passwords.ts minPasswordLength) so the form can say so before sending. */
export const minPasswordLength = 10;

export type PasswordProblem = "tooShort" | "mismatch" | undefined;

export function passwordProblem(password: string, repeated: string): PasswordProblem {
  if (password.length < minPasswordLength) return "tooShort";
  if (password !== repeated) return "mismatch";
  return undefined;
}
