/**
 * Klaviyo's enumerations do not keep one case: live, a flow message's `channel` is "Email" while a
 * campaign message's `definition.channel` is "email", and campaign `status` is "Draft" / "Sent"
 * (klaviyo/LIVE-BEHAVIOUR.md). Every comparison of such a value goes through here, so no job
 * silently skips data because an account answers in another case.
 */
export function sameEnum(value: string | null | undefined, expected: string): boolean {
  return typeof value === 'string' && value.trim().toLowerCase() === expected.trim().toLowerCase();
}

/** The one spelling the jobs use internally (lowercase), e.g. to group or key by channel. */
export function enumKey(value: string | null | undefined): string {
  return typeof value === 'string' ? value.trim().toLowerCase() : '';
}
