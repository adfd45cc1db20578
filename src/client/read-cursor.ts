// This person's read cursor in one conversation: how far they have read (from
// any of their devices) and what of it the server has been told — over the
// socket when it is ready, else over HTTP, one request at a time.
import * as paths from "./api-paths";
import { isTransient } from "./errors";
import type { Live } from "./live";
import type { Session } from "./session";
import { SingleFlight } from "./single-flight";

export interface ReadCursorDeps {
  id: string;
  session: Pick<Session, "request" | "user">;
  live: Live | null;
  report(err: unknown): void;
}

/** The read cursor of one conversation handle (seqs; 0 = nothing read). */
export class ReadCursor {
  private readSeq = 0;
  /** The highest seq the server is known to hold as read. */
  private sent = 0;
  private readonly sending = new SingleFlight();

  constructor(private readonly deps: ReadCursorDeps) {}

  /** The highest seq this person has read. */
  get seq(): number {
    return this.readSeq;
  }

  /** Read up to `seq` here: false when that is no news; else the server is told. */
  mark(seq: number): boolean {
    if (seq <= this.readSeq) return false;
    this.readSeq = seq;
    this.send();
    return true;
  }

  /** A `read` frame of this person's (another device of theirs): false when it is no news. */
  known(seq: number): boolean {
    if (seq <= this.readSeq) return false;
    this.readSeq = seq;
    this.sent = Math.max(this.sent, seq);
    return true;
  }

  /** The conversation's `reads` (GET /v1/conversations/{id}): the server holds the highest of them. */
  seed(reads: readonly unknown[]): void {
    for (const seq of reads) {
      if (typeof seq === "number" && seq > this.readSeq) this.readSeq = seq;
    }
    this.sent = Math.max(this.sent, this.readSeq);
  }

  /**
   * Tells the server the cursor when it has not been told yet. While an HTTP
   * request is under way a newer cursor goes once more after it; a transient
   * failure waits for the next call (the socket's `ready` makes one).
   */
  send(): void {
    if (this.readSeq <= this.sent || !this.deps.session.user) return;
    this.sending.rerun(async () => {
      const seq = this.readSeq;
      if (seq <= this.sent || !this.deps.session.user) return;
      if (this.deps.live?.send({ type: "read", seq })) {
        this.sent = seq;
        return;
      }
      try {
        await this.deps.session.request("POST", paths.read(this.deps.id), { body: { seq } });
        this.sent = Math.max(this.sent, seq);
      } catch (err) {
        if (!isTransient(err)) this.deps.report(err);
      }
    });
  }
}
