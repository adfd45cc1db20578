// Which messenger identity a conversation also lives in (its channel
// binding), kept in the Conversation DO's meta table beside the thread's own
// meta. Business messages after `boundAtSeq` go out through that channel;
// `lastInboundAt` is when the person last wrote there (the platforms'
// 24-hour messaging window counts from it).
import type { ChannelKind } from "./settings";

export interface ChannelBinding {
  channel: ChannelKind;
  /** The platform user: a Messenger PSID or a WhatsApp wa_id. */
  recipient: string;
  /** The last seq before the binding: earlier messages were never meant for this channel. */
  boundAtSeq: number;
  /** Platform time (ms) of the person's last message or referral in this channel, null if none yet. */
  lastInboundAt: number | null;
}

const KEY = "channel";

export class ChannelBindings {
  /** The binding as stored, read once (undefined until then): `bind` and `unbind` are its only writers. Every append asks. */
  private cached: ChannelBinding | null | undefined;

  constructor(private readonly sql: SqlStorage) {}

  get(): ChannelBinding | null {
    if (this.cached === undefined) {
      const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", KEY).toArray()[0];
      this.cached = row ? (JSON.parse(row.value) as ChannelBinding) : null;
    }
    return this.cached ? { ...this.cached } : null;
  }

  /** The messenger app the conversation is bound to, or null (a web thread). */
  channel(): ChannelKind | null {
    return this.get()?.channel ?? null;
  }

  /**
   * Binds the conversation to `recipient` on `channel` (a no-op when it
   * already is, apart from moving `lastInboundAt` forward). Rebinding to
   * another identity starts after `lastSeq`: the new one never gets the old
   * messages.
   */
  bind(channel: ChannelKind, recipient: string, lastSeq: number, inboundAt: number | null): ChannelBinding {
    const current = this.get();
    const same = current?.channel === channel && current.recipient === recipient;
    const next: ChannelBinding = {
      channel,
      recipient,
      boundAtSeq: same ? current.boundAtSeq : lastSeq,
      lastInboundAt: Math.max(same ? (current.lastInboundAt ?? 0) : 0, inboundAt ?? 0) || null,
    };
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      KEY,
      JSON.stringify(next),
    );
    this.cached = { ...next };
    return next;
  }

  /**
   * Ends the binding if it is to `recipient` on `channel` (the identity moved
   * to another thread by a channel link): later business messages stay in
   * the thread. Returns whether it was bound to them.
   */
  unbind(channel: ChannelKind, recipient: string): boolean {
    const current = this.get();
    if (current?.channel !== channel || current.recipient !== recipient) return false;
    this.sql.exec("DELETE FROM meta WHERE key = ?", KEY);
    this.cached = null;
    return true;
  }
}
