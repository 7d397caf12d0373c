/**
 * A credential that lapses (an ACR temporary login, a Google access token), fetched when first
 * needed, shared by everyone waiting for it, and renewed a quarter of its lifetime before it
 * lapses (at most five minutes ahead), however long the work using it runs.
 */

const MAX_RENEWAL_LEAD_MS = 5 * 60_000;

export class RenewedCredential<T extends { expiresAt: number }> {
  private current?: { value: T; renewAt: number };
  private pending?: Promise<T>;

  constructor(private readonly fetchValue: () => Promise<T>) {}

  async get(): Promise<T> {
    if (this.current && Date.now() < this.current.renewAt) return this.current.value;
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Drops the credential (a server refused it), so the next call fetches another. */
  forget(): void {
    this.current = undefined;
  }

  private async fetch(): Promise<T> {
    const obtainedAt = Date.now();
    const value = await this.fetchValue();
    const lead = Math.min(MAX_RENEWAL_LEAD_MS, Math.max(0, (value.expiresAt - obtainedAt) / 4));
    this.current = { value, renewAt: value.expiresAt - lead };
    return value;
  }
}
