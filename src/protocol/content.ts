// Message content of the wire contract (API.md "Content"): the zod schemas
// that validate it at the edge, and the rule of which role may send what.
import * as z from "zod";
import { isSafeUrl } from "./safe-url";
import { LONE_SURROGATE, NOT_UNICODE_TEXT } from "./text";

export { isSafeUrl };

const SafeUrl = z
  .string()
  .max(2048)
  .refine(isSafeUrl, { message: "must be an https: URL (http: only for localhost), without user:password@" });

/** Whether `s` is Unicode text: JSON's `\uD800` escapes can spell a lone surrogate, which is not (RFC 8259 §8.2). */
export function isUnicodeText(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

const UNICODE_TEXT = { message: NOT_UNICODE_TEXT };

/** Free text of at most `max` UTF-16 code units, refused rather than stored when it holds half a character. */
export function words(max: number): z.ZodString {
  return z.string().max(max).refine(isUnicodeText, UNICODE_TEXT);
}

const Title = z.string().trim().min(1).max(80).refine(isUnicodeText, UNICODE_TEXT);
const Payload = z.string().min(1).max(1000);

export const Button = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("url"), title: Title, url: SafeUrl }),
  z.strictObject({ type: z.literal("postback"), title: Title, payload: Payload }),
  z.strictObject({ type: z.literal("share"), title: Title.optional() }),
  z.strictObject({ type: z.literal("pay"), title: Title, requestId: z.string().min(1).max(64) }),
]);
export type Button = z.infer<typeof Button>;

export const QuickReply = z.strictObject({ title: Title, payload: Payload });
export type QuickReply = z.infer<typeof QuickReply>;

const Money = z.number().finite().nonnegative().max(1e12);
const Currency = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD");
export const AttachmentId = z.string().regex(/^att_[A-Za-z0-9_-]{1,64}$/, "must be an attachment id (att_…)");

export const TextContent = z.strictObject({
  type: z.literal("text"),
  text: words(4096).min(1),
  quickReplies: z.array(QuickReply).max(13).optional(),
});

export const MediaContent = z
  .strictObject({
    type: z.literal("media"),
    mediaType: z.enum(["image", "video", "gif", "audio", "file"]),
    url: SafeUrl.optional(),
    attachmentId: AttachmentId.optional(),
    caption: words(1024).optional(),
    buttons: z.array(Button).max(3).optional(),
  })
  .refine((m) => (m.url === undefined) !== (m.attachmentId === undefined), {
    message: "exactly one of url or attachmentId is required",
    path: ["url"],
  });

export const ButtonsContent = z.strictObject({
  type: z.literal("buttons"),
  text: words(640).min(1),
  buttons: z.array(Button).min(1).max(3),
});

export const Card = z.strictObject({
  title: Title,
  subtitle: words(160).optional(),
  imageUrl: SafeUrl.optional(),
  buttons: z.array(Button).max(3).optional(),
});

export const CardsContent = z.strictObject({
  type: z.literal("cards"),
  cards: z.array(Card).min(1).max(10),
});

export const ReceiptContent = z.strictObject({
  type: z.literal("receipt"),
  orderId: z.string().min(1).max(64),
  currency: Currency,
  total: Money,
  items: z
    .array(z.strictObject({ title: Title, quantity: z.number().int().positive().max(1e6), price: Money }))
    .min(1)
    .max(100),
});

export const PaymentStatus = z.enum(["pending", "paid", "cancelled"]);
export type PaymentStatus = z.infer<typeof PaymentStatus>;

export const PaymentRequestContent = z.strictObject({
  type: z.literal("payment_request"),
  requestId: z.string().min(1).max(64),
  amount: Money,
  currency: Currency,
  description: words(640).min(1),
  payUrl: SafeUrl,
  status: PaymentStatus,
});

export const PostbackContent = z.strictObject({
  type: z.literal("postback"),
  payload: Payload,
  title: Title,
});

export const Content = z.discriminatedUnion("type", [
  TextContent,
  MediaContent,
  ButtonsContent,
  CardsContent,
  ReceiptContent,
  PaymentRequestContent,
  PostbackContent,
]);
export type Content = z.infer<typeof Content>;

export type Role = "customer" | "agent" | "bot" | "system";

/** Why `content` may not be sent by `role`, or null when it may. */
export function contentNotAllowed(role: Role, content: Content): { path: string; message: string } | null {
  if (role !== "customer") return null;
  switch (content.type) {
    case "text":
      return content.quickReplies
        ? { path: "content.quickReplies", message: "customers cannot send quick replies" }
        : null;
    case "media":
      return content.attachmentId && !content.buttons
        ? null
        : { path: "content", message: "customers send media by attachmentId, without buttons" };
    case "postback":
      return null;
    default:
      return { path: "content.type", message: `customers cannot send ${content.type} messages` };
  }
}
