// The set-up most live tests start from: one person of the demo tenant signed
// in on two devices (a phone, which opens the thread, and a laptop), their
// thread, and live sockets for either device and for the demo bot's API key.
// Runs inside workerd (test/worker): type-checked by the root tsconfig.json.
import { BOT_KEY, openConversation, openSession, uniqueUser, type SessionAnswer } from "../worker/helpers";
import { openReady, type LiveClient } from "../worker/live-helpers";

/** Who a live socket of a thread speaks as: a device of the person, or the bot (`BOT_KEY`). */
export type SocketOwner = "phone" | "laptop" | "bot";

/** A thread of one person signed in on one device, the phone, which opened it; no socket yet. */
export interface SoloThread {
  /** The person's user id (unique per call, so tests share no Customer DO). */
  user: string;
  /** The conversation id. */
  id: string;
  phone: SessionAnswer;
  /** Opens a live socket as the phone or the bot, read up to `ready` (replay from `after`, as `?after=`). */
  socket(as: "phone" | "bot", after?: number): Promise<LiveClient>;
}

/** A thread of one person signed in on two devices: the phone (which opened it) and the laptop. */
export interface Thread extends SoloThread {
  laptop: SessionAnswer;
  /** Opens a live socket as either device or the bot, read up to `ready`. */
  socket(as: SocketOwner, after?: number): Promise<LiveClient>;
}

/** A two-device thread with a ready socket for the phone, the laptop and the bot. */
export interface LiveThread extends Thread {
  onPhone: LiveClient;
  onLaptop: LiveClient;
  bot: LiveClient;
}

/** One device (the phone) signed in as a new user `${prefix}-<uuid>`, and the thread it opened. */
export async function openSoloThread(prefix: string): Promise<SoloThread> {
  const user = uniqueUser(prefix);
  const phone = await openSession(user);
  const id = await openConversation(phone.sessionToken);
  return { user, id, phone, socket: (as, after) => openReady(id, as === "bot" ? BOT_KEY : phone.sessionToken, after) };
}

/** Two devices of a new user `${prefix}-<uuid>` (phone, then laptop) and the thread the phone opened. */
export async function openThread(prefix: string): Promise<Thread> {
  const user = uniqueUser(prefix);
  const phone = await openSession(user);
  const laptop = await openSession(user);
  const id = await openConversation(phone.sessionToken);
  const tokens: Record<SocketOwner, string> = { phone: phone.sessionToken, laptop: laptop.sessionToken, bot: BOT_KEY };
  return { user, id, phone, laptop, socket: (as, after) => openReady(id, tokens[as], after) };
}

/** {@link openThread}, then ready sockets in this order: the phone's, the laptop's, the bot's. */
export async function openLiveThread(prefix: string): Promise<LiveThread> {
  const thread = await openThread(prefix);
  const onPhone = await thread.socket("phone");
  const onLaptop = await thread.socket("laptop");
  const bot = await thread.socket("bot");
  return { ...thread, onPhone, onLaptop, bot };
}
