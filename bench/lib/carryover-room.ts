// Carryover as a RoomAdapter (bench/lib/socket-fan-out.ts): devices of one
// person on one conversation's live socket; the sender sends `send` frames,
// receivers get `event` frames carrying the sender's clientId. Sockets open as
// the SDK opens them (batched replay, direct, a `ping` on open; API.md "Direct
// sockets"), or `relayed`: as a client that does not ask for direct.
import { inBatches, openSession, type Session } from "./carryover.ts";
import { openLive, opened, parseFrame } from "./live.ts";
import { frameWhere, type RoomAdapter } from "./socket-fan-out.ts";

export async function carryoverRoom(
  baseUrl: string,
  userId: string,
  conversationId: string,
  sockets: number,
  options: { relayed?: boolean } = {},
): Promise<RoomAdapter> {
  const devices: Session[] = await inBatches(Array.from({ length: sockets + 1 }), 8, () => openSession(baseUrl, userId));
  const direct = !options.relayed;
  return {
    async open(i) {
      const ws = openLive(baseUrl, devices[i]!.sessionToken, conversationId, 0, direct, direct);
      const ready = frameWhere(ws, (d) => parseFrame(d)?.type === "ready");
      const pong = direct ? frameWhere(ws, (d) => parseFrame(d)?.type === "pong") : null;
      await opened(ws);
      if (direct) ws.send(JSON.stringify({ type: "ping" }));
      await ready;
      await pong;
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
