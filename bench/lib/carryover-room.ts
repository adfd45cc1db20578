// Carryover as a RoomAdapter (bench/lib/socket-fan-out.ts): devices of one
// person on one conversation's live socket; the sender sends `send` frames,
// receivers get `event` frames carrying the sender's clientId.
import { inBatches, openSession, type Session } from "./carryover.ts";
import { openLive, opened, parseFrame } from "./live.ts";
import { frameWhere, type RoomAdapter } from "./socket-fan-out.ts";

export async function carryoverRoom(baseUrl: string, userId: string, conversationId: string, sockets: number): Promise<RoomAdapter> {
  const devices: Session[] = await inBatches(Array.from({ length: sockets + 1 }), 8, () => openSession(baseUrl, userId));
  return {
    async open(i) {
      const ws = openLive(baseUrl, devices[i]!.sessionToken, conversationId, 0);
      const ready = frameWhere(ws, (d) => parseFrame(d)?.type === "ready");
      await opened(ws);
      await ready;
      return ws;
    },
    frame: (id) => JSON.stringify({ type: "send", clientId: id, content: { type: "text", text: `fan-out ${id}` } }),
    idOf: (data) => {
      const frame = parseFrame(data);
      if (frame?.type !== "event") return null;
      const clientId = (frame.event as { clientId?: unknown }).clientId;
      return typeof clientId === "string" ? clientId : null;
    },
  };
}
